import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

/**
 * Headless Chromium for the site's tests and bench, from the @sparticuz/chromium npm package
 * (so that `npm ci` brings it: no browser download). Its `executablePath()` unpacks the
 * browser into the temp folder once, and reuses any `chromium` already there whatever its
 * version: a folder of this version's own keeps another one out. Its launch arguments are not
 * used: they turn web security off, which would let a test pass that a real browser fails.
 */
export async function launchChromium(): Promise<Browser> {
  const { default: chromium } = await import('@sparticuz/chromium');
  const { chromium: playwright } = await import('playwright-core');
  const folder = join(tmpdir(), 'etl-test-chromium-153');
  mkdirSync(folder, { recursive: true });
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  let executablePath: string;
  try {
    executablePath = await chromium.executablePath();
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  return playwright.launch({ executablePath, headless: true });
}
