/** Headless Chromium from the @sparticuz/chromium npm package (shared with the bench). */
export { launchChromium } from '../../bench/chromium.js';
