import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

const definePath = JSON.stringify(join(__dirname, '..', '..', 'shared', 'functions', 'defineFunction'));
const httpFunction = (name: string): string =>
  `exports.${name} = require(${definePath}).defineHttpFunction('${name}', { route: '${name}', methods: ['GET'], handler: async () => ({}) });\n`;

describe('loadFunctionDefinitions', () => {
  const dir = createTemporaryDirectory();
  afterAll(() => dir.remove());

  it('when the app is loaded, then it finds the functions of functions/', () => {
    expect(loadFunctionDefinitions().map((d) => d.name)).toEqual(expect.arrayContaining(['health', 'getCurrentPrincipal']));
  });

  it('when a file defines a function under another name, then loading fails naming file and name', () => {
    const folder = join(dir.path, 'renamed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'listAlerts.js'), httpFunction('getAlerts'));
    expect(() => loadFunctionDefinitions(folder)).toThrow('functions/listAlerts.js defines "getAlerts"; the name must be "listAlerts"');
  });

  it('when a file defines two functions, then loading fails', () => {
    const folder = join(dir.path, 'two');
    mkdirSync(folder);
    writeFileSync(join(folder, 'both.js'), httpFunction('both') + httpFunction('other'));
    expect(() => loadFunctionDefinitions(folder)).toThrow('functions/both.js must export exactly one function definition; it exports 2');
  });
});
