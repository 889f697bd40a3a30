// Many realistic submissions of one form, made inside the database (generate_series) so a
// million rows take seconds rather than a million round trips. The values look like what the
// demo contact form receives: varied names, emails and messages (some with quotes, commas, line
// breaks, a few spreadsheet formulas), mostly new or read with about 3% spam, created over a span
// of days with UUIDv7 ids that agree with their created_at. Used by the console benchmark and the
// export memory test, on PostgreSQL and PGlite alike.

import type { Queryable } from '../../ingest/db/database.ts';

export interface SampleOptions {
  formId: string;
  count: number;
  /** The newest submission is about now; the oldest this many days ago. */
  days: number;
  /** Characters of running text added to every message, for longer submissions. */
  extraText?: number;
  /** Rows per statement. */
  batch?: number;
  /** Called after each statement with the rows inserted so far. */
  progress?: (inserted: number) => void;
}

const FIRST_NAMES = [
  'Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger', 'Radia',
  'Tim', 'Hedy', 'John', 'Sophie', 'Donald', 'Joan', 'Niklaus', 'Shafi', 'Guido', 'Annie', 'Bjarne', 'Yukihiro',
  'Amara', 'Chen', 'Priya', 'Mateo', 'Léa', 'Jürgen', 'Aoife', 'Olu', 'Ingrid', 'Rahul', 'Zoë', 'Mohammed',
];
const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen',
  'Dijkstra', 'Perlman', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Wilson', 'Knuth', 'Clarke', 'Wirth', 'Goldwasser',
  'van Rossum', 'Easley', 'Stroustrup', 'Matsumoto', "O'Brien", 'Müller', 'Okafor', 'Nakamura', 'García', 'Singh',
];
const DOMAINS = ['example.com', 'example.org', 'mail.example', 'company.example', 'studio.example', 'uni.example'];
const SENTENCES = [
  'Hello, I would like a quote for the analytical engine.',
  'Could you tell me more about your pricing for small teams?',
  'Our order #4521 has not arrived yet; can you check where it is?',
  'I love the product, but the export button does nothing on Safari.',
  'Is there a discount for non-profits or schools?',
  'We are a team of 12 and need "single sign-on" before we can switch.',
  'Please call me back on +44 20 7946 0958, any time after 2pm.',
  'The invoice for March shows the wrong VAT number.',
  'Can I change the plan in the middle of a billing period?',
  'Thanks for the quick answer last week, it worked.',
  'Your form on the pricing page did not load on my phone (Android 14, Chrome).',
  'I would like to delete my account and all my data, as per GDPR.',
  'Do you ship to Canada, and how long does it take?',
  'We met at the conference in Lisbon; following up as promised.',
  'Is the API rate limit per key or per account?',
  'Our developer says the webhook signature does not match; any hints?',
  'Looking for a partner for a 3-month project, budget €20k.',
  'Hi there, just testing the contact form.',
  'Can you send the brochure as a PDF?',
  'The password reset email never came, I checked the spam folder too.',
];
const SIGN_OFFS = ['Best regards,\nSam', 'Thanks!\n\n-- \nJo', 'Cheers, M.', 'Kind regards,\r\nThe team at Studio'];
const FORMULAS = ['=HYPERLINK("http://evil.example","click here")', '+1 555 0100 is my number', '-- see attached', '@everyone please read'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
];

/** An SQL text array literal, for values picked at random per row. */
function textArray(values: readonly string[]): string {
  return `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]::text[]`;
}

/** One random element of an array expression, drawn again for every row. */
function oneOf(array: string): string {
  return `(${array})[1 + floor(random() * cardinality(${array}))::int]`;
}

// $1 form id, $2 first row number, $3 last row number, $4 total rows, $5 oldest time (epoch ms),
// $6 newest time (epoch ms), $7 paragraphs to add one of to each message (none: short messages). Row i is created at oldest + i * step plus a jitter below one step,
// so rows are in time order and ids (whose first 48 bits are the time in ms) agree with it.
const INSERT_SAMPLE = `
  with f as (select id, site_id, account_id from forms where id = $1),
  g as (
    select i,
           ($5::bigint + (i::numeric * ($6::bigint - $5::bigint) / $4::int)::bigint
              + floor(random() * (($6::bigint - $5::bigint) / $4::int))::bigint) as ms,
           ${oneOf(textArray(FIRST_NAMES))} as first_name,
           ${oneOf(textArray(LAST_NAMES))} as last_name,
           random() as r_status, random() as r_topic, random() as r_message, random() as r_key,
           md5(random()::text) as hex
      from generate_series($2::int, $3::int) as i
  )
  insert into submissions (id, form_id, site_id, account_id, data, meta, status, idempotency_key, created_at)
  select (lpad(to_hex(g.ms), 12, '0') || '7' || substr(g.hex, 1, 3) || substr('89ab', 1 + floor(random() * 4)::int, 1)
            || substr(g.hex, 4, 15))::uuid,
         f.id, f.site_id, f.account_id,
         jsonb_strip_nulls(jsonb_build_object(
           'name', g.first_name || ' ' || g.last_name,
           'email', lower(replace(replace(g.first_name || '.' || g.last_name, ' ', ''), '''', '')) || g.i || '@' || ${oneOf(textArray(DOMAINS))},
           'topic', case when g.r_topic < 0.45 then 'Sales' when g.r_topic < 0.9 then 'Support' end,
           'message',
             case when g.r_message < 0.004 then ${oneOf(textArray(FORMULAS))} || ' ' else '' end
             || ${oneOf(textArray(SENTENCES))}
             || case when g.r_message > 0.4 then ' ' || ${oneOf(textArray(SENTENCES))} else '' end
             || case when g.r_message > 0.75 then ' ' || ${oneOf(textArray(SENTENCES))} || ' ' || ${oneOf(textArray(SENTENCES))} else '' end
             || case when cardinality($7::text[]) > 0 then ' ' || ${oneOf('$7::text[]')} else '' end
             || case when g.r_message > 0.94 then E'\\n\\n' || ${oneOf(textArray(SIGN_OFFS))} else '' end,
           'consent', true)),
         jsonb_build_object(
           'via', case when g.r_key < 0.05 then 'form' else 'json' end,
           'ipHash', substr(g.hex, 9, 24),
           'userAgent', ${oneOf(textArray(USER_AGENTS))},
           'origin', 'http://localhost:8080'),
         -- about 3% spam; older submissions mostly read, the newest 5% mostly new
         case when g.r_status < 0.03 then 'spam'
              when g.i < $4::int * 0.95 and g.r_status < 0.8 then 'read'
              when g.r_status < 0.12 then 'read'
              else 'new' end,
         case when g.r_key < 0.05 then null else gen_random_uuid()::text end,
         'epoch'::timestamptz + g.ms * interval '1 millisecond'
    from g, f`;

/** Paragraphs of about `length` characters made of the sentences in random order. */
function paragraphsOf(length: number, count: number): string[] {
  return Array.from({ length: count }, () => {
    let text = '';
    while (text.length < length) text += (text ? ' ' : '') + SENTENCES[Math.floor(Math.random() * SENTENCES.length)];
    return text;
  });
}

/** Inserts `count` submissions into a form (which must exist), then refreshes the planner's statistics. */
export async function insertSampleSubmissions(db: Queryable, options: SampleOptions): Promise<void> {
  const batch = options.batch ?? 50_000;
  const newest = Date.now();
  const oldest = newest - options.days * 86_400_000;
  // A few long paragraphs, one of which ends each message: picking one costs nothing per row.
  const paragraphs = options.extraText ? paragraphsOf(options.extraText, 16) : [];
  for (let first = 0; first < options.count; first += batch) {
    const last = Math.min(options.count, first + batch) - 1;
    await db.query(INSERT_SAMPLE, [options.formId, first, last, options.count, oldest, newest, paragraphs]);
    options.progress?.(last + 1);
  }
  await db.exec('vacuum analyze submissions');
}
