import { stopTestServices } from './services';

export default async function globalTeardown(): Promise<void> {
  await stopTestServices(globalThis.__missionflowServices ?? []);
  await globalThis.__missionflowDevServer?.stop();
}
