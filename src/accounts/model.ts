import { Type } from '@sinclair/typebox';
import { t } from 'elysia';
// The schemas below check `date-time` with our strict check, registered there.
import '../http/formats';
import { urlId } from '../http/api-schemas';

/**
 * The accounts' limits, types and API schemas: the single source for validation, the DDL and the
 * OpenAPI document. Rules that count characters after normalising live in the service, because
 * JSON Schema's lengths count UTF-16 units before any trimming.
 */

export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
export const TOKEN_NAME_MAX = 100;
/** Most API tokens one account may hold: each is a standing credential to review and revoke. */
export const TOKENS_PER_ACCOUNT_MAX = 100;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const SESSION_IDLE_MS_DEFAULT = 14 * DAY_MS;
export const SESSION_MAX_MS_DEFAULT = 90 * DAY_MS;
/** last_seen_at / last_used_at are written at most this often, so a lookup is not a write. */
export const LAST_SEEN_RESOLUTION_MS = HOUR_MS;

/** Failed sign-ins per account, then per client address, within one window, before refusing. */
export const ACCOUNT_FAILURE_LIMIT = 10;
export const ADDRESS_FAILURE_LIMIT = 50;
export const FAILURE_WINDOW_MS = 15 * MINUTE_MS;
/** Sign-ups cost an argon2 hash each, so one address may start only so many per window. */
export const SIGNUP_LIMIT_PER_ADDRESS = 20;
export const SIGNUP_WINDOW_MS = HOUR_MS;

export interface Account {
  id: number;
  email: string;
  must_change_password: boolean;
  /** Where the person is (src/accounts/region.ts): what "today" is, and how dates are written. */
  time_zone: string;
  locale: string;
  /** The browser keeps time_zone and locale up to date; false once they are set on the settings page. */
  region_from_browser: boolean;
  /**
   * What the app asked to read in the same query as the account (see Alongside in store.ts): the
   * task list's figures, so a request costs one round trip to the database, not two. Never cached.
   */
  alongside?: unknown;
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** A token as created: the only time its secret is seen; the database keeps only its hash. */
export interface NewApiToken extends ApiTokenInfo {
  token: string;
}

/** "tm_" and 43 base62 characters (256 bits); the prefix lets secret scanners recognise a leaked one. */
export const TOKEN_PATTERN = '^tm_[0-9A-Za-z]{43}$';

const tokenExample = {
  id: 7,
  name: 'Backup script on the NAS',
  created_at: '2026-11-20T09:15:00.000Z',
  last_used_at: '2026-11-21T03:00:12.480Z',
} as const;

const TokenName = t.String({
  minLength: 1,
  maxLength: TOKEN_NAME_MAX,
  error: `must be 1 to ${TOKEN_NAME_MAX} characters`,
  description: `What the token is for, 1–${TOKEN_NAME_MAX} characters after trimming`,
  examples: ['Backup script on the NAS'],
});

export const TokenCreateSchema = t.Object(
  { name: TokenName },
  {
    additionalProperties: false,
    title: 'TokenCreate',
    description: 'A name to recognise the token by in the list; the secret is shown once, in the answer',
    examples: [{ name: 'Backup script on the NAS' }],
  },
);

const tokenInfoFields = {
  // Plain TypeBox integers, as in the task schemas: a reply holds real numbers.
  id: Type.Integer({ minimum: 1 }),
  name: t.String(),
  created_at: t.String({ format: 'date-time' }),
  last_used_at: t.Union([t.String({ format: 'date-time' }), t.Null()], {
    description: 'When a request last used it, to within an hour; null if never',
  }),
};

export const ApiTokenSchema = t.Object(tokenInfoFields, { title: 'ApiToken', examples: [tokenExample] });

export const NewApiTokenSchema = t.Object(
  {
    ...tokenInfoFields,
    token: t.String({
      pattern: TOKEN_PATTERN,
      description: 'The secret, shown this once: send it as "Authorization: Bearer <token>"',
    }),
  },
  {
    title: 'NewApiToken',
    examples: [{ ...tokenExample, last_used_at: null, token: `tm_${'x7Kq2'.repeat(8)}abc` }],
  },
);

export const TokenIdParams = t.Object({ id: urlId('token', 7) });

/** The token schemas by the names the OpenAPI document gives them (Elysia's `.model`): each name is its title. */
export const TOKEN_MODELS = {
  ApiToken: ApiTokenSchema,
  NewApiToken: NewApiTokenSchema,
  TokenCreate: TokenCreateSchema,
};
