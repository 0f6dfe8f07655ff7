// Tokenises every stdlib program (stdlib/**/*.rdx) with the rdx grammar and every Janus test
// program (tests/janus/*.ja) with the Janus grammar, through VS Code's own TextMate engine
// (vscode-textmate + vscode-oniguruma), and checks each character's scope against an
// independent scan of the text: comments are comment.*, keywords keyword.* (types
// storage.type.*), numbers constant.numeric.*, and nothing else is. Exits 1 on a mismatch.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const root = path.resolve(__dirname, '..', '..', '..');
const here = path.resolve(__dirname, '..');

const LANGS = {
  'source.rdx': {
    file: 'syntaxes/rdx.tmLanguage.json',
    keywords: 'gene const if else fi from do loop until call uncall local delocal push pop assert skip erase undo error print printf show neg not swap nil kernel'.split(' '),
    types: 'u64 i64 f64 c64 stack'.split(' '),
  },
  'source.janus': {
    file: 'syntaxes/janus.tmLanguage.json',
    keywords: 'procedure if then else fi from do loop until call uncall local delocal push pop assert skip error print printf show'.split(' '),
    types: 'int stack'.split(' '),
  },
};

function files(dir, ext) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

// What each character of `text` is, by a scan independent of the grammar: 'c' comment,
// 's' string, 'k' keyword, 't' type, 'n' number, '.' anything else.
function expected(text, lang) {
  const kinds = new Array(text.length).fill('.');
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      for (let k = i; k < stop; k++) kinds[k] = 'c';
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] !== '\n') kinds[k] = 'c';
      i = stop;
    } else if (text[i] === '"') {
      let k = i + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      for (let q = i; q <= k && q < text.length; q++) kinds[q] = 's';
      i = k + 1;
    } else if (/[A-Za-z_]/.test(text[i])) {
      let k = i;
      while (k < text.length && /[A-Za-z0-9_']/.test(text[k])) k++;
      const word = text.slice(i, k);
      const kind = lang.keywords.includes(word) ? 'k' : lang.types.includes(word) ? 't' : '.';
      for (let q = i; q < k; q++) kinds[q] = kind;
      i = k;
    } else if (/[0-9]/.test(text[i])) {
      let k = i;
      while (k < text.length && /[0-9A-Za-z_]/.test(text[k])) k++;
      for (let q = i; q < k; q++) kinds[q] = 'n';
      i = k;
    } else {
      i++;
    }
  }
  return kinds;
}

function kindOf(scopes) {
  const s = scopes.join(' ');
  if (/\bcomment\./.test(s)) return 'c';
  if (/\bstring\./.test(s)) return 's';
  if (/\bstorage\.type\./.test(s)) return 't';
  if (/\bkeyword\.(control|other)\./.test(s)) return 'k';
  if (/\bconstant\.numeric\./.test(s)) return 'n';
  return '.';
}

async function main() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      const l = LANGS[scope];
      if (!l) return null;
      const file = path.join(here, l.file);
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const jobs = [
    ['source.rdx', files(path.join(root, 'stdlib'), '.rdx')],
    ['source.janus', files(path.join(root, 'tests', 'janus'), '.ja')],
  ];
  let failures = 0;
  for (const [scope, list] of jobs) {
    const grammar = await registry.loadGrammar(scope);
    const counts = { c: 0, k: 0, t: 0, n: 0 };
    for (const file of list) {
      const text = fs.readFileSync(file, 'utf8');
      const want = expected(text, LANGS[scope]);
      let state = vsctm.INITIAL;
      let offset = 0;
      for (const line of text.split('\n')) {
        const r = grammar.tokenizeLine(line, state);
        for (const tok of r.tokens) {
          const got = kindOf(tok.scopes);
          for (let k = tok.startIndex; k < Math.min(tok.endIndex, line.length); k++) {
            const w = want[offset + k];
            if (/\s/.test(line[k])) continue;
            if (w !== got) {
              failures++;
              if (failures <= 20) {
                const n = text.slice(0, offset).split('\n').length;
                console.error(`${path.relative(root, file)}:${n}:${k + 1}: \`${line.slice(tok.startIndex, tok.endIndex)}\` is ${tok.scopes.join(' ')}; expected kind ${w}, got ${got}`);
              }
              break;
            }
            if (k === tok.startIndex && w in counts) counts[w]++;
          }
        }
        state = r.ruleStack;
        offset += line.length + 1;
      }
    }
    console.log(`${scope}: ${list.length} files, tokens checked: ${counts.k} keywords, ${counts.t} types, ${counts.n} numbers, ${counts.c} comments`);
    if (list.length === 0 || counts.k === 0 || counts.n === 0 || counts.c === 0) {
      console.error(`${scope}: nothing to check`);
      failures++;
    }
  }
  if (failures > 0) {
    console.error(`${failures} mismatches`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
