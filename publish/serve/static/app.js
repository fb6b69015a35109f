// The preview page: the print edition's pages as images, kept in step with the server's
// state (Server-Sent Events). Only pages whose key changed are fetched again; the reader
// stays on the page they were reading, or is taken to the first changed page when none
// of the changed pages is in view.
"use strict";

const pagesEl = document.getElementById("pages");
const tocEl = document.querySelector("#toc ol");
const statusEl = document.getElementById("status");
const errorEl = document.getElementById("error");
const warningsEl = document.getElementById("warnings");
const epubEl = document.getElementById("epub");
const epubSelect = document.getElementById("epub-chapter");
const epubFrame = document.getElementById("epub-frame");
let shown = { pages: [], toc: [], chapters: [] };

function pageUrl(kind, index, key) {
  return `/${kind}/${index}/${key}`;
}

function loadText(page) {
  const { index, key } = page.dataset;
  fetch(pageUrl("text", index, key)).then((r) => (r.ok ? r.text() : null)).then((text) => {
    if (text !== null && page.dataset.key === key) page.querySelector(".text").textContent = text;
  });
}

function makePage(index) {
  const page = document.createElement("div");
  page.className = "page";
  page.id = `page-${index + 1}`;
  page.dataset.index = index;
  const img = document.createElement("img");
  img.loading = "lazy";
  img.alt = `page ${index + 1}`;
  img.addEventListener("load", () => loadText(page));
  const text = document.createElement("div");
  text.className = "text";
  const number = document.createElement("span");
  number.className = "number";
  number.textContent = index + 1;
  page.append(img, text, number);
  return page;
}

function inView(page) {
  const box = page.getBoundingClientRect();
  const view = pagesEl.getBoundingClientRect();
  return box.bottom > view.top && box.top < view.bottom;
}

// The page at the top of the view, and how far into it the view begins.
function anchor() {
  for (const page of pagesEl.children) {
    const box = page.getBoundingClientRect();
    if (box.bottom > pagesEl.getBoundingClientRect().top) {
      return { page, offset: box.top - pagesEl.getBoundingClientRect().top };
    }
  }
  return null;
}

function showPages(state) {
  const before = anchor();
  const pages = state.pages;
  while (pagesEl.children.length > pages.length) pagesEl.lastChild.remove();
  while (pagesEl.children.length < pages.length) pagesEl.append(makePage(pagesEl.children.length));
  const changed = [];
  pages.forEach(([key, width, height], index) => {
    const page = pagesEl.children[index];
    page.style.aspectRatio = `${width} / ${height}`;
    if (page.dataset.key !== key) {
      page.dataset.key = key;
      page.querySelector(".text").textContent = "";
      page.querySelector("img").src = pageUrl("page", index, key);
      changed.push(page);
    }
  });
  if (before && before.page.isConnected) {
    pagesEl.scrollTop += before.page.getBoundingClientRect().top
      - pagesEl.getBoundingClientRect().top - before.offset;
  }
  const first = shown.pages.length > 0 && changed.length < pages.length ? changed[0] : null;
  for (const page of pagesEl.querySelectorAll(".changed")) page.classList.remove("changed");
  if (shown.pages.length > 0) for (const page of changed) page.classList.add("changed");
  if (first && !changed.some(inView)) first.scrollIntoView({ block: "start" });
}

function showToc(state) {
  if (JSON.stringify(state.toc) === JSON.stringify(shown.toc)) return;
  tocEl.replaceChildren(...state.toc.map(([title, level, page]) => {
    const item = document.createElement("li");
    item.className = `level-${level}`;
    const link = document.createElement("a");
    link.href = `#page-${page + 1}`;
    link.textContent = title;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      document.getElementById(`page-${page + 1}`)?.scrollIntoView({ block: "start" });
    });
    item.append(link);
    return item;
  }));
}

function showProblems(state) {
  errorEl.hidden = !state.error;
  errorEl.textContent = state.error ? `error: ${state.error}` : "";
  warningsEl.hidden = state.warnings.length === 0;
  warningsEl.querySelector("summary").textContent = `${state.warnings.length} warning(s)`;
  warningsEl.querySelector("ul").replaceChildren(...state.warnings.map((warning) => {
    const item = document.createElement("li");
    item.textContent = warning;
    return item;
  }));
}

function showStatus(state) {
  statusEl.classList.toggle("building", state.building);
  if (state.building) statusEl.textContent = "building…";
  else if (state.error) statusEl.textContent = "build failed: the last good pages are shown";
  else if (state.pages.length) {
    const time = state.seconds === null ? "" : ` · built in ${state.seconds.toFixed(1)} s`;
    statusEl.textContent = `${state.pages.length} pages${time}`;
  }
}

// The chapter being read: the last chapter of the TOC opening at or before the top page.
function currentChapter() {
  const top = anchor();
  const index = top ? Number(top.page.dataset.index) : 0;
  let title = null;
  for (const [entry, level, page] of shown.toc) if (level === 0 && page <= index) title = entry;
  return title;
}

function showEpub(state) {
  const options = state.chapters.map(([title, href]) => new Option(title, href));
  const selected = epubSelect.value;
  epubSelect.replaceChildren(...options);
  if (selected) epubSelect.value = selected;
  if (!epubEl.hidden) loadEpub(false);
}

function loadEpub(follow) {
  if (follow) {
    const title = currentChapter();
    const match = shown.chapters.find(([entry]) => entry === title);
    if (match) epubSelect.value = match[1];
  }
  if (epubSelect.value) epubFrame.src = `/epub/${epubSelect.value}?v=${shown.version}`;
}

function apply(state) {
  document.body.dataset.version = state.version;
  document.body.dataset.building = state.building;
  showProblems(state);
  showStatus(state);
  if (state.pages.length && state.pages !== shown.pages) {
    const samePages = JSON.stringify(state.pages) === JSON.stringify(shown.pages);
    if (!samePages) showPages(state);
    showToc(state);
    const newChapters = JSON.stringify(state.chapters) !== JSON.stringify(shown.chapters);
    shown = state;
    if (!samePages || newChapters) showEpub(state);
  }
}

document.getElementById("toc-button").addEventListener("click", (event) => {
  const toc = document.getElementById("toc");
  toc.hidden = !toc.hidden;
  event.target.setAttribute("aria-expanded", String(!toc.hidden));
});
document.getElementById("epub-button").addEventListener("click", (event) => {
  epubEl.hidden = !epubEl.hidden;
  event.target.setAttribute("aria-expanded", String(!epubEl.hidden));
  if (!epubEl.hidden) loadEpub(true);
});
epubSelect.addEventListener("change", () => loadEpub(false));

const events = new EventSource("/events");
events.addEventListener("state", (event) => apply(JSON.parse(event.data)));
events.addEventListener("error", () => { statusEl.textContent = "disconnected: is publish serve running?"; });
