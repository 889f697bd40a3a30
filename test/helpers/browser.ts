// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the browser suites.
// Where Chromium is missing the suites skip, except with CI=true, where that is a failure.

import fs from 'node:fs';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { isCI } from './databases.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

if (isCI && !hasChromium) {
  throw new Error(`CI=true but ${CHROMIUM} is missing: the browser suites cannot be skipped in CI.`);
}

export const skipWithoutChromium = hasChromium ? false : `${CHROMIUM} is not installed`;

/** `extraArgs`: more flags, e.g. --host-resolver-rules to reach a test app by a public host name. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Waits until `locator` matches exactly `count` elements (a list that reloads), else fails saying what it saw. */
export async function waitForCount(locator: Locator, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  while (Date.now() < deadline) {
    seen = await locator.count();
    if (seen === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(seen, count, `expected ${count} matches of ${String(locator)}`);
}

export interface PageProblems {
  /** Uncaught exceptions on the page. */
  errors: string[];
  /** Content-Security-Policy violations the page reported. */
  cspViolations: string[];
}

/** Records what must never happen on a page: uncaught errors and CSP violations. */
export async function watchPage(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { errors: [], cspViolations: [] };
  page.on('pageerror', (error) => problems.errors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (apply|execute|load|connect)/i.test(message.text())) problems.cspViolations.push(message.text());
  });
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.cspViolations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return problems;
}

interface AXNode {
  ignored?: boolean;
  role?: { value?: string };
  name?: { value?: string };
  description?: { value?: string };
}

/**
 * What a screen reader hears as the description of the control with this role and accessible
 * name: Chromium's own accessibility tree (through the DevTools protocol), which, unlike the DOM,
 * also reads hidden elements a control's aria-describedby points to.
 */
export async function accessibleDescription(page: Page, role: string, name: string): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: AXNode[] };
    const matches = nodes.filter((node) => !node.ignored && node.role?.value === role && node.name?.value === name);
    if (matches.length !== 1) throw new Error(`${matches.length} accessible ${role}s named ${JSON.stringify(name)}`);
    return matches[0]?.description?.value ?? '';
  } finally {
    await cdp.detach();
  }
}
