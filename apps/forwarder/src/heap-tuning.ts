import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts: V8's allocation-site pretenuring off for the forwarder
 * (docs/architecture.md, "Inside the forwarder": after a burst).
 *
 * V8 watches how many objects of each allocation site outlive a young-generation GC; when most
 * do, it allocates that site's objects straight in the old generation from then on. A burst of
 * concurrent calls (1,000 at once: every call's objects are alive at the same time) flips the
 * relay's per-call sites that way, and the decision sticks: afterwards every call's short-lived
 * objects land in the old generation, so young collections slow down and full ones come every few
 * seconds. The relay measured 1.5× the CPU per call for the rest of the process's life. A relay's
 * per-call objects never live longer than the call, so the forwarder does without it; the flag is
 * read at every young-generation GC, so setting it here, before Nest loads, is in time.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
