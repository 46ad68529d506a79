/** @jsxImportSource @kitajs/html */
import type { PropsWithChildren } from '@kitajs/html';

interface FieldProps {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  class?: string;
}

/** A labelled control with its hint and error message; the control itself is the child. */
export function Field({ id, label, error, hint, class: className, children }: PropsWithChildren<FieldProps>) {
  return (
    <div class={['field', className, error && 'field-invalid']}>
      <label for={id} safe>
        {label}
      </label>
      {children}
      {hint ? (
        <p class="field-hint" id={`${id}-hint`} safe>
          {hint}
        </p>
      ) : (
        ''
      )}
      {error ? (
        <p class="field-error" id={`${id}-error`} safe>
          {error}
        </p>
      ) : (
        ''
      )}
    </div>
  );
}

/** The aria attributes that tie a control to its hint and error. */
export function describedBy(id: string, error?: string, hint?: string) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return { 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': ids || undefined };
}

/** Focus for this control: on page load (autofocus) and after an htmx swap (data-autofocus, see app.js). */
export function focusIf(wanted: boolean) {
  return wanted ? { autofocus: true, 'data-autofocus': '' } : {};
}
