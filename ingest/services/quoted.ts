// Names someone else chose (a site, a form, an account) shown inside the service's own sentences,
// in emails and WhatsApp texts: always as quoted data, never as words of the sentence. On one
// line (CR, LF and every other control or separator character become a space), shortened, and
// inside “” — a curly quote within the name becomes a straight one, so the quotes the service
// adds are the only ones and the name cannot close them to go on "speaking".

const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g;

export function quoted(text: string, max = 100): string {
  const flat = text.replace(CONTROLS, ' ').replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim();
  const short = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return `“${short}”`;
}
