/**
 * `skiff image import|ls|rm|pull`: the node's image store by hand (the store in
 * DATA_DIR/agent/images that the kubelet runs containers from), as `crictl images` / `ctr images`.
 */
import type { Command } from 'commander';
import type { LocalImageService } from '../kubelet/images/local-image-service.ts';
import type { Image } from '../kubelet/images/image-service.ts';
import { defaultDataDir } from './data-dir.ts';

interface ImageFlags {
  dataDir: string;
  insecureRegistry: string[];
}

/** Adds the `image` command group to the program. */
export function registerImageCommands(program: Command): void {
  const image = program.command('image').description("manage the node's images (the store the kubelet runs containers from)");
  const withFlags = (cmd: Command) =>
    cmd
      .option('--data-dir <dir>', 'where state lives (the store is DATA_DIR/agent/images)', defaultDataDir())
      .option('--insecure-registry <host>', 'registry (host:port) to reach over plain HTTP (repeatable; loopback registries always are)', collect, []);

  withFlags(image.command('import').argument('<file>', 'a `docker save` or OCI-layout tarball (optionally gzipped)').description('import the images of a tarball')).action(
    (file: string, flags: ImageFlags) =>
      act(async () => {
        for (const img of await (await service(flags)).importTarball(file)) process.stdout.write(`imported ${name(img)} ${img.id}\n`);
      }),
  );

  withFlags(image.command('ls').alias('list').description('list images')).action((flags: ImageFlags) =>
    act(async () => {
      process.stdout.write(imageTable(await (await service(flags)).list()));
    }),
  );

  withFlags(image.command('rm').alias('remove').argument('<reference...>', 'image reference, digest reference or id').description('remove images (by tag: the tag; by id: the image)')).action(
    (references: string[], flags: ImageFlags) =>
      act(async () => {
        const svc = await service(flags);
        for (const reference of references) {
          await svc.remove(reference);
          process.stdout.write(`deleted ${reference}\n`);
        }
      }),
  );

  withFlags(image.command('pull').argument('<reference>', 'image reference, e.g. busybox:1.36').description('pull an image from its registry')).action((reference: string, flags: ImageFlags) =>
    act(async () => {
      const img = await (await service(flags)).pull(reference);
      process.stdout.write(`pulled ${name(img)} ${img.id}\n`);
    }),
  );
}

/** `IMAGE  ID  SIZE`, one row per tag (untagged images as `<none>`), sorted by name. */
export function imageTable(images: Image[]): string {
  const rows = images
    .flatMap((img) => (img.repoTags.length ? img.repoTags : ['<none>']).map((tag) => [tag, img.id.replace(/^sha256:/, '').slice(0, 13), humanSize(img.size)]))
    .sort((a, b) => a[0].localeCompare(b[0]));
  const all = [['IMAGE', 'ID', 'SIZE'], ...rows];
  const widths = [0, 1].map((c) => Math.max(...all.map((r) => r[c].length)));
  return all.map((r) => `${r[0].padEnd(widths[0])}   ${r[1].padEnd(widths[1])}   ${r[2]}\n`).join('');
}

/** Decimal units, as docker and crictl print sizes (e.g. 2.14MB). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))}${units[unit]}`;
}

async function service(flags: ImageFlags): Promise<LocalImageService> {
  const { LocalImageService } = await import('../kubelet/images/local-image-service.ts');
  return new LocalImageService({ rootDir: `${flags.dataDir}/agent`, insecureRegistries: flags.insecureRegistry });
}

function name(img: Image): string {
  return img.repoTags[0] ?? img.repoDigests[0] ?? '<none>';
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function act(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    process.stderr.write(`skiff: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
