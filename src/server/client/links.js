// The page's routes (hash URLs), so every view links the same way. Run ids are untrusted text: always encoded.

export function runHref(id) {
  return `#/run/${encodeURIComponent(id)}`;
}

export function reportHref(id, name) {
  return `#/run/${encodeURIComponent(id)}/report/${encodeURIComponent(name)}`;
}

export function compareHref(ids) {
  return `#/compare/${ids.map(encodeURIComponent).join("/")}`;
}

/** Parse location.hash into {view, ids, report}. */
export function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const dec = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (parts[0] === "run" && parts[1]) {
    const report = parts[2] === "report" && parts[3] ? dec(parts[3]) : null;
    return { view: "run", ids: [dec(parts[1])], report };
  }
  if (parts[0] === "compare" && parts.length > 1) return { view: "compare", ids: parts.slice(1).map(dec) };
  return { view: "list", ids: [] };
}
