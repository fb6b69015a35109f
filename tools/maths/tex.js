// TeX → MathML and SVG with MathJax, for publish/markup/maths.py: one long-lived process
// per build. Reads one JSON request a line, {"tex": "…", "display": true}, and answers one
// JSON line, {"mathml": "…", "svg": "…"} or {"error": "…"}, in order. No browser, no
// network: packages that load files (require, autoload) or write HTML attributes (html)
// are left out, and undefined commands are errors (noundefined is left out).
'use strict';
const readline = require('readline');
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');
const {SerializedMmlVisitor} = require('mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js');
const {STATE} = require('mathjax-full/js/core/MathItem.js');

const LEFT_OUT = new Set(['noundefined', 'noerrors', 'autoload', 'require', 'html',
  'setoptions', 'bussproofs']);
// What KaTeX accepts and MathJax 3 lacks, as real books use it.
const MACROS = {
  textcircled: ['\\enclose{circle}{\\kern.1em{\\small\\text{#1}}\\kern.1em}', 1],
  bm: ['\\boldsymbol{#1}', 1],
  R: '\\mathbb{R}', N: '\\mathbb{N}', Z: '\\mathbb{Z}', Q: '\\mathbb{Q}', C: '\\mathbb{C}',
  argmax: '\\operatorname*{arg\\,max}', argmin: '\\operatorname*{arg\\,min}',
};

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: AllPackages.filter((name) => !LEFT_OUT.has(name)),
  macros: MACROS,
  tags: 'none',
  formatError: (jax, error) => { throw error; },
});
const svg = new SVG({fontCache: 'none'});
const document = mathjax.document('', {InputJax: tex, OutputJax: svg});
const mathml = new SerializedMmlVisitor();

// A formula as MathJax's document.convert starts it (16 px ems, 8 px exes, 80 exes wide).
function item(source, display) {
  const mitem = new document.options.MathItem(source, tex, display);
  mitem.start.node = adaptor.body(document.document);
  mitem.setMetrics(16, 8, 80 * 16, 1000000, 1);
  return mitem;
}

// The SVG of a formula: its equation tag (`\\tag{1.2}`, `\\tag*{…}`) is drawn apart, for
// publish to set at the right of the text block (MathJax would need the page's width);
// a tag per row stays in MathJax's labelled table, which maths.py takes apart.
function draw(source, display) {
  const mitem = item(source, display);
  mitem.convert(document, STATE.LAST);
  return adaptor.innerHTML(mitem.typesetRoot);
}

function splitTag(source) {
  const found = /\\tag(?![a-zA-Z])\s*(\*?)\s*\{/.exec(source);
  if (!found) return null;
  let depth = 1, end = found.index + found[0].length;
  for (; end < source.length && depth > 0; end++) {
    if (source[end] === '\\') end++;
    else if (source[end] === '{') depth++;
    else if (source[end] === '}') depth--;
  }
  const label = source.slice(found.index + found[0].length, end - 1);
  const rest = source.slice(0, found.index) + source.slice(end);
  // Several (a tag per row of `align`), or a tag among rows: MathJax sets each level with
  // its row, in a labelled table (maths.py takes it apart).
  if (/\\tag(?![a-zA-Z])/.test(rest) || rest.includes('\\\\')) return null;
  return {rest, label: found[1] ? label : `(${label})`};
}

// MathML and SVG from one parse of the TeX (parsing is a third of the time); a tagged
// formula is drawn again without its tag.
function convert(source, display) {
  const mitem = item(source, display);
  mitem.convert(document, STATE.CONVERT);
  const answer = {mathml: mathml.visitTree(mitem.root)};
  const tag = display ? splitTag(source) : null;
  if (tag) {
    answer.svg = draw(tag.rest, display);
    answer.tag = draw(`\\text{${tag.label}}`, false);
  } else {
    mitem.convert(document, STATE.LAST);
    answer.svg = adaptor.innerHTML(mitem.typesetRoot);
  }
  return answer;
}

readline.createInterface({input: process.stdin}).on('line', (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    answer = convert(String(request.tex), Boolean(request.display));
  } catch (error) {
    answer = {error: String((error && error.message) || error).split('\n')[0]};
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
