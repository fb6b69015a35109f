// One Mermaid diagram → SVG, in Chromium with no network at all (publish/markup/diagrams.py).
//
// usage: node render.mjs IN.mmd OUT.svg CONFIG.json PUPPETEER.json
//
// mmdc would do the drawing, but it lets the page fetch whatever a diagram names (a
// `themeCSS` with `@import url(http://…)`, an `<img>` label) and leaves Chromium's own
// background traffic on. Here, Mermaid CLI's renderMermaid draws in a browser launched with
// its network pointed at a closed port and every host unresolvable, and each page refuses
// every request but Mermaid CLI's own files and data: URLs (Puppeteer's interception).
// Each refused URL is printed on stderr as `refused: URL`.

import { realpathSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import puppeteer from 'puppeteer'
import { renderMermaid } from '@mermaid-js/mermaid-cli'

const here = path.dirname(fileURLToPath(import.meta.url))
// Mermaid CLI's page and scripts: the only files a page may load.
// (its real path: node_modules may be a link to another checkout's)
const allowed = pathToFileURL(realpathSync(path.join(here, 'node_modules'))).href + '/'

// No byte leaves: a proxy that is a closed port (loopback too), no name resolves, and
// none of Chromium's own calls home (updates, metrics, safe browsing, hints…).
const NETWORK_OFF = [
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--host-resolver-rules=MAP * ~NOTFOUND',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-client-side-phishing-detection',
  '--no-pings',
  '--dns-prefetch-disable',
  '--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions',
  '--no-first-run',
  '--no-default-browser-check'
]

function permitted (url) {
  return url.startsWith('data:') || url.startsWith(allowed)
}

async function main () {
  const [input, output, configPath, puppeteerPath] = process.argv.slice(2)
  const definition = await readFile(input, 'utf8')
  const mermaidConfig = JSON.parse(await readFile(configPath, 'utf8'))
  const launch = JSON.parse(await readFile(puppeteerPath, 'utf8'))
  launch.args = [...(launch.args || []), ...NETWORK_OFF]
  const browser = await puppeteer.launch(launch)
  const newPage = browser.newPage.bind(browser)
  browser.newPage = async (...args) => {
    const page = await newPage(...args)
    await page.setRequestInterception(true)
    page.on('request', (request) => {
      const url = request.url()
      if (permitted(url)) {
        request.continue()
      } else {
        process.stderr.write(`refused: ${url.slice(0, 300)}\n`)
        request.abort('blockedbyclient')
      }
    })
    return page
  }
  try {
    const { data } = await renderMermaid(browser, definition, 'svg', {
      backgroundColor: 'transparent',
      mermaidConfig
    })
    await writeFile(output, data)
  } finally {
    await browser.close()
  }
}

main().catch((error) => {
  process.stderr.write(`Error: ${String(error && error.message ? error.message : error).split('\n')[0]}\n`)
  process.exit(1)
})
