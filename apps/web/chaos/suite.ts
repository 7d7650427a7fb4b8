// `npm run test:chaos`: the real server, agent and sensor under faults (kills, a full disk, a bad network, a
// wrong clock); each case checks that nothing accepted is lost or stored twice and the database stays whole.
// VIGIL_CHAOS_SEED=N replays a run's random choices; VIGIL_CHAOS_ONLY=text runs the cases whose name contains it.
import { cases } from "./cases";
import { seededRandom } from "./random";

const seed = Number(process.env.VIGIL_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const only = process.env.VIGIL_CHAOS_ONLY;
console.log(`chaos suite, seed ${seed} (VIGIL_CHAOS_SEED=${seed} replays it)`);

let passed = 0;
let failed = 0;
for (const chaosCase of cases) {
  if (only && !chaosCase.name.includes(only)) continue;
  const started = Date.now();
  const cleanups: (() => unknown)[] = [];
  console.log(`▶ ${chaosCase.name}`);
  try {
    await chaosCase.run({
      random: seededRandom(seed + chaosCase.name.length),
      step: (text) => console.log(`  · ${text}`),
      defer: (cleanup) => cleanups.push(cleanup),
    });
    passed += 1;
    console.log(`✓ ${chaosCase.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  } catch (error) {
    failed += 1;
    console.log(`✗ ${chaosCase.name}: ${(error as Error).stack ?? error}`);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        console.log(`  (cleanup: ${(error as Error).message})`);
      }
    }
  }
}
console.log(`chaos: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
