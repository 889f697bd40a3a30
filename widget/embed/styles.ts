// The rendered form's stylesheet, adopted by its shadow root (a constructed sheet, so a page's
// strict style-src CSP does not block it). `:host` resets every property the page could push in;
// theming goes through --formline-* custom properties, which that reset leaves alone (a page
// themes by setting them on the host, e.g. `[data-theme=dark]{--formline-text:#eee}`).
export const CSS =
  ':host{all:initial!important;display:block!important;font:var(--formline-font,16px/1.5 system-ui)!important;color:var(--formline-text,#222)!important}' +
  '*{font:inherit;color:inherit}' +
  'form,div,fieldset{display:grid;gap:.3em;border:0;padding:0;margin:0}' +
  'form{gap:1em}' +
  'input,select,textarea{padding:.5em;border:1px solid #888;border-radius:6px}' +
  '[aria-invalid=true]{border-color:var(--formline-error,#c00)}' +
  'p{margin:0}.formline-error{color:var(--formline-error,#c00)}' +
  'button{justify-self:start;padding:.6em 1.4em;color:#fff;background:var(--formline-accent,#25e);border:0;border-radius:6px}' +
  '[hidden]{display:none!important}';
