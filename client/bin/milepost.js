#!/usr/bin/env node
// The `milepost` command. The CLI is written in TypeScript and run by Node's
// built-in type stripping (Node >= 24; `npx`/`npm run` put the project's own
// Node 24 from node_modules/.bin first on PATH).
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `milepost: needs Node 24 or later, found ${process.versions.node}; run it through npx or npm run, ` +
      'which use the Node 24 that npm install puts in node_modules/.bin\n',
  );
  process.exit(2);
}
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
