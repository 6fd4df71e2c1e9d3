/**
 * Where is the first error in this JSON text? Node 20's JSON.parse does not say, so after JSON.parse fails we
 * scan the text with a small validator (RFC 8259 grammar) to find the offset, and turn it into line:column.
 * Only used on the error path, so it is written for clarity, not speed.
 */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
  message: string;
}

export function findJsonError(text: string): JsonErrorPosition | undefined {
  let i = 0;
  const n = text.length;
  const fail = (message: string): never => {
    throw Object.assign(new Error(message), { offset: i });
  };
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const lit = (s: string) => {
    if (text.startsWith(s, i)) i += s.length;
    else fail(`unexpected ${describe(text[i])}`);
  };
  const str = () => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail("control character in string");
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("bad \\u escape");
          i += 5;
        } else if ('"\\/bfnrt'.includes(e ?? "x")) i++;
        else fail("bad escape");
      } else i++;
    }
    fail("unterminated string");
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`unexpected ${describe(text[i])}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name, got ${describe(text[i])}`);
        str();
        ws();
        if (text[i] !== ":") fail(`expected ':', got ${describe(text[i])}`);
        i++;
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail(`expected ',' or '}', got ${describe(text[i])}`);
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail(`expected ',' or ']', got ${describe(text[i])}`);
      }
    } else if (c === '"') str();
    else if (c === "t") lit("true");
    else if (c === "f") lit("false");
    else if (c === "n") lit("null");
    else num();
  };
  try {
    value();
    ws();
    if (i < n) fail(`unexpected ${describe(text[i])} after the JSON value`);
    return undefined;
  } catch (err) {
    const offset = (err as { offset?: number }).offset ?? i;
    const before = text.slice(0, offset);
    const line = before.split("\n").length;
    return { offset, line, column: offset - before.lastIndexOf("\n"), message: (err as Error).message };
  }
}

function describe(c: string | undefined): string {
  return c === undefined ? "end of input" : `'${c}'`;
}
