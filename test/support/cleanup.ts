// Runs after every e2e file (jest setupFilesAfterEnv): stop any process the file left running.
import { stopEverythingStarted } from './harness.js';

afterAll(async () => {
  await stopEverythingStarted();
});
