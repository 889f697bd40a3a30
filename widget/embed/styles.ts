// The rendered form's stylesheets, adopted by its shadow root (constructed sheets, so a page's
// strict style-src CSP does not block them). `:host` resets every property the page could push in;
// theming goes through --formline-* custom properties, which that reset leaves alone (a page
// themes by setting them on the host, e.g. `[data-theme=dark]{--formline-text:#eee}`).
//
// FORM_CSS travels with the form's definition (GET /v1/forms/:formId), as the message catalog
// does: only a rendered form needs it, and a rendered form always has its definition. The script
// itself carries only HOST_CSS, for the one thing it can show without a definition ("This form
// cannot be loaded"), so the page's CSS cannot reach in even then.

export const HOST_CSS = ':host{all:initial!important;display:block!important}';

export const FORM_CSS =
  ':host{all:initial!important;display:block!important;font:var(--formline-font,16px/1.5 system-ui)!important;color:var(--formline-text,#222)!important}' +
  '*{font:inherit;color:inherit}' +
  'form,div,fieldset{display:grid;gap:.3em;border:0;padding:0;margin:0}' +
  'form{gap:1em}' +
  'input,select,textarea,button{padding:.5em;border:1px solid #888;border-radius:6px}' +
  '[type=checkbox],[type=radio]{margin:0 .5em 0 0}' +
  '[aria-invalid=true]{border-color:var(--formline-error,#c00)}' +
  'p{margin:0}.formline-error{color:var(--formline-error,#c00)}' +
  'button{justify-self:start;padding:.6em 1.4em;color:#fff;background:var(--formline-accent,#25e);border:0}';
