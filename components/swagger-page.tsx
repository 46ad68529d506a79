/** @jsxImportSource @kitajs/html */
import { HtmlDocument } from './layout';

export interface SwaggerPageProps {
  title: string;
  /** The OpenAPI document Swagger UI shows; the start-up script reads it from the page. */
  specUrl: string;
  cssUrl: string;
  bundleUrl: string;
  initUrl: string;
  iconUrl: string;
}

/**
 * Swagger UI's page. Everything it runs or styles with is a file from our origin, so it lives
 * under the same strict CSP as every other page: no inline script, no inline style.
 */
export function SwaggerPage({ title, specUrl, cssUrl, bundleUrl, initUrl, iconUrl }: SwaggerPageProps) {
  return (
    <HtmlDocument title={title} icon={iconUrl} css={cssUrl} scripts={[bundleUrl, initUrl]}>
      <main data-spec-url={specUrl}></main>
      <noscript>
        <p>
          Swagger UI needs JavaScript. The API is described by its <a href={specUrl}>OpenAPI document</a>.
        </p>
      </noscript>
    </HtmlDocument>
  );
}
