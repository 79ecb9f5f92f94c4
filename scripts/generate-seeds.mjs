#!/usr/bin/env node
// Deterministically generates the example shop's seed CSVs into seeds/.
// Usage: node scripts/generate-seeds.mjs
// Same seed => byte-identical files. No dependencies; all date math is UTC.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEED = 20240101;
const FIRST_DAY = Date.UTC(2024, 0, 1); // orders from 2024-01-01 ...
const LAST_DAY = Date.UTC(2024, 3, 30); // ... through 2024-04-30 (inclusive)
const SIGNUP_FROM = Date.UTC(2023, 5, 1); // customers sign up 2023-06-01 ...
const CUSTOMERS = 600;
const DAY_MS = 86_400_000;

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'seeds');

// --- PRNG ---------------------------------------------------------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
function weighted(pairs) {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [v, w] of pairs) {
    r -= w;
    if (r < 0) return v;
  }
  return pairs[pairs.length - 1][0];
}

// --- formatting ---------------------------------------------------------
const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtDate(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}
function fmtTs(ms) {
  const d = new Date(ms);
  return `${fmtDate(ms)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
const money = (cents) => `${Math.floor(cents / 100)}.${pad(cents % 100)}`;
function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function writeCsv(name, header, rows) {
  const lines = [header.join(','), ...rows.map((r) => r.map(csvField).join(','))];
  writeFileSync(join(outDir, `${name}.csv`), lines.join('\n') + '\n');
  return rows.length;
}

// --- products -----------------------------------------------------------
const catalog = {
  apparel: [
    ['Cotton T-Shirt', 1900],
    ['Hooded Sweatshirt', 4900],
    ['Denim Jacket', 8900],
    ['Wool Beanie', 1800],
    ['Rain Jacket', 7400],
    ['Linen Shirt', 3900],
    ['Running Shorts', 2600],
    ['Merino Socks', 1400],
    ['Chino Trousers', 5400],
    ['Knit Scarf', 2400],
  ],
  home: [
    ['Ceramic Mug', 1200],
    ['Linen Tea Towel', 900],
    ['Scented Candle', 2200],
    ['Throw Blanket', 5900],
    ['Glass Carafe', 2800],
    ['Oak Serving Board', 3400],
    ['Cotton Cushion Cover', 1900],
    ['Table Lamp', 6900],
    ['Plant Pot', 1600],
    ['Wall Clock', 3900],
  ],
  kitchen: [
    ['Chef Knife', 7900],
    ['Cast Iron Skillet', 4500],
    ['Bamboo Utensil Set', 1500],
    ['Pour Over Coffee Dripper', 2400],
    ['Stainless Mixing Bowls', 3200],
    ['Silicone Baking Mat', 1300],
    ['Pepper Mill', 2700],
    ['Enamel Dutch Oven', 11900],
    ['Espresso Cups Set', 2900],
    ['Salad Spinner', 2300],
  ],
  outdoors: [
    ['Insulated Water Bottle', 2900],
    ['Trail Backpack', 8900],
    ['Camping Lantern', 3500],
    ['Picnic Blanket', 4200],
    ['Folding Chair', 4900],
    ['Hammock', 5900],
    ['Headlamp', 2500],
    ['Travel Cutlery Set', 1700],
    ['Dry Bag', 2100],
    ['Sun Hat', 2800],
  ],
  stationery: [
    ['Dot Grid Notebook', 1400],
    ['Fountain Pen', 3900],
    ['Desk Organizer', 2600],
    ['Weekly Planner', 1800],
    ['Watercolor Set', 3200],
    ['Brass Bookmark', 900],
    ['Sketchbook', 1600],
    ['Gel Pen Pack', 1100],
    ['Leather Pencil Case', 2900],
    ['Greeting Card Set', 1300],
  ],
};
const products = [];
for (const [category, items] of Object.entries(catalog)) {
  for (const [name, cents] of items) {
    // popularity weight: cheaper items sell more often
    products.push({
      id: products.length + 1,
      name,
      category,
      cents,
      weight: 0.5 + rand() + 3000 / cents,
    });
  }
}
const productWeights = products.map((p) => [p, p.weight]);

// --- customers ----------------------------------------------------------
const firstNames = [
  'Ada',
  'Ben',
  'Chloe',
  'Daniel',
  'Elena',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Umar',
  'Vera',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Anna',
  'Marco',
  'Sofia',
  'Lucas',
  'Emma',
  'Leon',
  'Mia',
  'Theo',
  'Nora',
  'Felix',
  'Lea',
  'Oscar',
  'Ida',
  'Emil',
];
const lastNames = [
  'Smith',
  'Muller',
  'Garcia',
  'Rossi',
  'Dubois',
  'Jansen',
  'Nowak',
  'Silva',
  'Kim',
  'Tanaka',
  'Brown',
  'Schmidt',
  'Lopez',
  'Bianchi',
  'Martin',
  'de Vries',
  'Kowalski',
  'Santos',
  'Park',
  'Sato',
  'Wilson',
  'Fischer',
  'Perez',
  'Romano',
  'Bernard',
  'Bakker',
  'Lewandowski',
  'Costa',
  'Lee',
  'Suzuki',
  'Taylor',
  'Weber',
  'Martinez',
  'Ricci',
  'Petit',
  'Visser',
  'Wojcik',
  'Oliveira',
  'Choi',
  'Ito',
];
const countries = [
  ['US', 30],
  ['DE', 15],
  ['GB', 12],
  ['FR', 10],
  ['NL', 8],
  ['ES', 7],
  ['IT', 6],
  ['CA', 6],
  ['PL', 3],
  ['JP', 3],
];
const signupDays = Math.round((LAST_DAY - SIGNUP_FROM) / DAY_MS) + 1;
const customers = [];
for (let i = 0; i < CUSTOMERS; i++) {
  // slightly more signups in later months (growing shop): sqrt-skewed offset
  const offset = Math.floor(Math.sqrt(rand()) * signupDays);
  customers.push({
    id: 0,
    first: pick(firstNames),
    last: pick(lastNames),
    country: weighted(countries),
    signup: SIGNUP_FROM + offset * DAY_MS,
    loyalty: 0.2 + rand() * rand() * 4, // heavy-tailed order propensity
  });
}
customers.sort((a, b) => a.signup - b.signup);
customers.forEach((c, i) => (c.id = i + 1));
const customerRows = customers.map((c) => [
  c.id,
  c.first,
  c.last,
  `${c.first}.${c.last}.${c.id}@example.com`.toLowerCase().replace(/ /g, ''),
  c.country,
  fmtDate(c.signup),
]);

// --- orders, items, payments --------------------------------------------
const weekdayFactor = [1.25, 0.85, 0.9, 0.95, 1.0, 1.1, 1.3]; // Sun..Sat
const hourWeights = [
  1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 1.8, 2.6, 3, 3.2, 3.4, 3.8, 3.6, 3.2, 3, 3.2, 3.6, 4.2, 4.8, 5,
  4.4, 3.2, 2,
].map((w, h) => [h, w]);
const methods = [
  ['card', 70],
  ['paypal', 20],
  ['bank_transfer', 10],
];

const orderRows = [];
const itemRows = [];
const paymentRows = [];
let paymentId = 0;
const totalDays = Math.round((LAST_DAY - FIRST_DAY) / DAY_MS) + 1;
for (let d = 0; d < totalDays; d++) {
  const day = FIRST_DAY + d * DAY_MS;
  const trend = 1 + (0.25 * d) / totalDays; // gentle growth over the period
  const n = Math.round(
    40 * trend * weekdayFactor[new Date(day).getUTCDay()] * (0.85 + rand() * 0.3),
  );
  const eligible = customers.filter((c) => c.signup <= day);
  const eligibleWeights = eligible.map((c) => [c, c.loyalty]);
  const daysBeforeEnd = totalDays - 1 - d;

  const dayOrders = [];
  for (let k = 0; k < n; k++) {
    const customer = weighted(eligibleWeights);
    const secs = weighted(hourWeights) * 3600 + int(0, 3599);
    dayOrders.push({ customer, at: day + secs * 1000 });
  }
  dayOrders.sort((a, b) => a.at - b.at);

  for (const o of dayOrders) {
    const orderId = orderRows.length + 1;
    let status;
    if (daysBeforeEnd <= 1)
      status = weighted([
        ['placed', 70],
        ['shipped', 30],
      ]);
    else if (daysBeforeEnd <= 5)
      status = weighted([
        ['placed', 10],
        ['shipped', 70],
        ['completed', 20],
      ]);
    else
      status = weighted([
        ['completed', 93],
        ['returned', 7],
      ]);
    orderRows.push([orderId, o.customer.id, fmtTs(o.at), status]);

    // items: 1-4 distinct products
    const lines = weighted([
      [1, 45],
      [2, 30],
      [3, 17],
      [4, 8],
    ]);
    const chosen = new Set();
    let totalCents = 0;
    while (chosen.size < lines) {
      const p = weighted(productWeights);
      if (chosen.has(p.id)) continue;
      chosen.add(p.id);
      const qty = weighted([
        [1, 75],
        [2, 18],
        [3, 7],
      ]);
      const unit = rand() < 0.1 ? Math.round(p.cents * 0.9) : p.cents; // 10% promo price
      totalCents += qty * unit;
      itemRows.push([itemRows.length + 1, orderId, p.id, qty, money(unit)]);
    }

    // payments: mostly one, ~12% split (gift card + another method); sums to item total
    const paidAt = (mins) => fmtTs(o.at + mins * 60_000 + int(0, 59) * 1000);
    if (rand() < 0.12 && totalCents > 1000) {
      const gift = Math.min(
        totalCents - 100,
        weighted([
          [1000, 3],
          [2500, 3],
          [5000, 2],
        ]),
      );
      paymentRows.push([++paymentId, orderId, 'gift_card', money(gift), paidAt(int(0, 2))]);
      paymentRows.push([
        ++paymentId,
        orderId,
        weighted(methods),
        money(totalCents - gift),
        paidAt(int(2, 5)),
      ]);
    } else {
      paymentRows.push([
        ++paymentId,
        orderId,
        weighted(methods),
        money(totalCents),
        paidAt(int(0, 3)),
      ]);
    }
  }
}

// --- write --------------------------------------------------------------
mkdirSync(outDir, { recursive: true });
const counts = {
  raw_products: writeCsv(
    'raw_products',
    ['product_id', 'name', 'category', 'price'],
    products.map((p) => [p.id, p.name, p.category, money(p.cents)]),
  ),
  raw_customers: writeCsv(
    'raw_customers',
    ['customer_id', 'first_name', 'last_name', 'email', 'country', 'signed_up_at'],
    customerRows,
  ),
  raw_orders: writeCsv(
    'raw_orders',
    ['order_id', 'customer_id', 'ordered_at', 'status'],
    orderRows,
  ),
  raw_order_items: writeCsv(
    'raw_order_items',
    ['order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price'],
    itemRows,
  ),
  raw_payments: writeCsv(
    'raw_payments',
    ['payment_id', 'order_id', 'method', 'amount', 'paid_at'],
    paymentRows,
  ),
};
for (const [name, n] of Object.entries(counts)) console.log(`seeds/${name}.csv: ${n} rows`);
