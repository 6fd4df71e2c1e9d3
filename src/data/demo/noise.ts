import type { Rng } from "../../util/rng.js";

/**
 * The kinds of damage a scraped pretraining corpus carries, each made the way it happens in the wild (wrong
 * decoder, lost bytes, page chrome, markup left in, spam, garbage, fragments). Everything here is seeded.
 */

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

export function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Typographic quotes and dashes, as web English has them (so decoding accidents have bytes to bite on). */
export function typographize(s: string): string {
  return s
    .replace(/(\w)'(\w)/g, "$1\u2019$2")
    .replace(/"([^"]*)"/g, "\u201c$1\u201d")
    .replace(/ - /g, " \u2013 ");
}

const utf8 = new TextEncoder();

/**
 * Windows-1252 as the WHATWG Encoding Standard decodes it (what browsers do for "latin1" too). Written out
 * because Node's TextDecoder("windows-1252") decodes as ISO-8859-1 (0x80–0x9F become C1 controls, and U+0085
 * is a line break to Python's splitlines, which would split a .txt document in MedicalGPT's reader).
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

export function decodeCp1252(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80] : b);
  return s;
}

/** UTF-8 bytes read as Windows-1252: 中文 → ä¸­æ–‡, ’ → â€™. */
export function utf8AsCp1252(s: string): string {
  return decodeCp1252(utf8.encode(s));
}

let gbkTable: Map<string, number> | undefined;

/** GBK bytes of s (characters GBK lacks become "?", as encoders with errors="replace" do). */
export function gbkBytes(s: string): Uint8Array {
  if (!gbkTable) {
    // Node ships a GBK decoder but no encoder: decode every two-byte code once and invert.
    const buf = new Uint8Array(126 * 191 * 2);
    let o = 0;
    for (let a = 0x81; a <= 0xfe; a++)
      for (let b = 0x40; b <= 0xfe; b++) {
        buf[o++] = a;
        buf[o++] = b;
      }
    const dec = new TextDecoder("gbk");
    gbkTable = new Map();
    for (let i = 0; i < o; i += 2) {
      const ch = dec.decode(buf.subarray(i, i + 2));
      if (ch.length === 1 && ch !== "\ufffd" && !gbkTable.has(ch))
        gbkTable.set(ch, (buf[i] << 8) | buf[i + 1]);
    }
  }
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else {
      const g = gbkTable.get(ch);
      if (g === undefined) out.push(0x3f);
      else out.push(g >> 8, g & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** GBK bytes read as Windows-1252: 中文 → ÖÐÎÄ, the classic of Chinese web pages served with the wrong charset. */
export function gbkAsCp1252(s: string): string {
  return decodeCp1252(gbkBytes(s));
}

/**
 * Text that went through a decoder with errors="replace" after some bytes were lost or mangled: a few
 * multi-byte characters (or, in ASCII text, the typographic ones) become U+FFFD.
 */
export function withReplacementChars(rng: Rng, s: string): string {
  const chars = Array.from(s);
  const candidates = chars
    .map((c, i) => ((c.codePointAt(0) as number) >= 0x80 ? i : -1))
    .filter((i) => i >= 0);
  const n = Math.max(2, Math.round(candidates.length * (0.05 + 0.15 * rng.float())));
  const targets = candidates.length >= 2 ? shuffle(rng, candidates).slice(0, n) : [];
  if (targets.length < 2) {
    // nearly pure ASCII: a Latin-1 file read as UTF-8 loses each non-ASCII byte; simulate a few lost letters
    for (let k = 0; k < 3; k++) targets.push(rng.int(chars.length));
  }
  for (const i of targets) chars[i] = rng.float() < 0.3 ? "\ufffd\ufffd" : "\ufffd";
  return chars.join("");
}

const BOILER_EN = [
  "Home | News | Business | Sports | Contact Us | About Us",
  "Copyright © {year} {company}. All rights reserved.",
  "This website uses cookies to improve your experience. By continuing to browse the site you agree to our use of cookies. Accept",
  "Privacy Policy | Terms of Use | Cookie Policy | Sitemap",
  "Share this article: Facebook Twitter LinkedIn Email Print",
  "Previous article Next article",
  "Click here to read more »",
  "Sign in | Register | Forgot your password?",
  "Subscribe to our newsletter for the latest updates.",
  "Skip to main content",
  "Related posts: {n} comments",
  "Posted by admin on {date} | Filed under Uncategorized",
];
const BOILER_ZH = [
  "首页 | 新闻中心 | 产品展示 | 联系我们 | 关于我们",
  "版权所有 © {year} {company}有限公司 保留所有权利 京ICP备{n}号",
  "本站部分内容来源于网络，如有侵权请联系删除。",
  "上一篇：{title} 下一篇：{title}",
  "分享到：微信 微博 QQ空间 复制链接",
  "点击阅读全文",
  "扫一扫关注我们的微信公众号",
  "免责声明：本文仅代表作者个人观点，与本站无关。",
  "返回顶部",
  "登录 | 注册 | 找回密码",
  "发布时间：{date} 浏览次数：{n}",
  "热门推荐 相关阅读 猜你喜欢",
];
const COMPANIES = ["Acme Media", "Globe Network", "Sunrise Daily", "华信科技", "东方网络", "新锐传媒"];
const TITLES = ["关于举办年度表彰大会的通知", "公司简介", "行业动态汇总", "常见问题解答", "招聘信息"];

function fill(rng: Rng, t: string): string {
  return t
    .replace(/\{year\}/g, String(2008 + rng.int(17)))
    .replace(/\{company\}/g, pick(rng, COMPANIES))
    .replace(/\{title\}/g, () => pick(rng, TITLES))
    .replace(/\{n\}/g, () => String(100 + rng.int(90000)))
    .replace(/\{date\}/g, `${2010 + rng.int(15)}-${1 + rng.int(12)}-${1 + rng.int(28)}`);
}

/** Navigation, footers, cookie banners and share bars: 3–7 lines of page chrome, joined by `sep`. */
export function boilerplate(rng: Rng, lang: "en" | "zh", sep: string): string {
  const pool = lang === "zh" ? BOILER_ZH : BOILER_EN;
  const n = 3 + rng.int(5);
  const lines = shuffle(rng, pool.slice()).slice(0, n);
  return lines.map((l) => fill(rng, l)).join(sep);
}

/** A paragraph with the markup an extractor failed to strip. */
export function htmlResidue(rng: Rng, sentences: string[]): string {
  const open = pick(rng, [
    '<div class="article-content">',
    '<div id="main"><div class="post-body">',
    "<article>",
  ]);
  const close = open.startsWith("<div id") ? "</div></div>" : open === "<article>" ? "</article>" : "</div>";
  const parts = sentences.map((s) => {
    const r = rng.float();
    if (r < 0.3) return `<p>${s}</p>`;
    if (r < 0.5) return `${s}<br/>`;
    if (r < 0.65) return `<span style="font-size:14px;">${s}</span>&nbsp;`;
    return `<p class="text">${s.replace(/ /g, rng.float() < 0.3 ? "&nbsp;" : " ")}</p>`;
  });
  const extras = [
    '<script type="text/javascript">var _hmt = _hmt || [];</script>',
    '<a href="/index.html" target="_blank">返回首页</a>',
    '<img src="/uploads/2019/03/pic.jpg" alt="" width="600" />',
    "<!-- end content -->",
  ];
  return `${open}${parts.join("")}${pick(rng, extras)}${close}`;
}

const SPAM_ZH = ["免费领取，点击链接！", "加微信了解详情，", "全网最低价，", "好消息好消息，"];
const SPAM_EN = [
  "Buy now and save 50%! ",
  "Best price guaranteed! ",
  "cheap flights cheap hotels ",
  "Click here! ",
];

/** Repetition: a slogan repeated, or one sentence pasted again and again. */
export function repetition(rng: Rng, lang: "en" | "zh", sentence: string): string {
  const unit =
    rng.float() < 0.5
      ? pick(rng, lang === "zh" ? SPAM_ZH : SPAM_EN)
      : `${sentence}${lang === "zh" ? "" : " "}`;
  const times = 6 + rng.int(20);
  return unit.repeat(times).trim();
}

/** Garbage: random CJK characters, random alphanumerics, or a base64-like blob. */
export function randomChars(rng: Rng): string {
  const len = 40 + rng.int(260);
  const r = rng.float();
  let s = "";
  if (r < 0.4) {
    for (let i = 0; i < len; i++) {
      s +=
        rng.float() < 0.08
          ? pick(rng, ["，", "。", " ", "、"])
          : String.fromCharCode(0x4e00 + rng.int(0x9fa5 - 0x4e00));
    }
  } else if (r < 0.75) {
    const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (let i = 0; i < len; i++) s += rng.float() < 0.15 ? " " : a[rng.int(a.length)];
  } else {
    const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (let i = 0; i < len; i++) s += a[rng.int(a.length)];
    s += "==";
  }
  return s.trim();
}

const SHORT = [
  "好的",
  "谢谢！",
  "顶",
  "沙发",
  "第一条",
  "……",
  "OK",
  "Thanks!",
  "Read more »",
  "1",
  "N/A",
  "up",
  "收到",
  "+1",
];

export function tooShort(rng: Rng): string {
  return pick(rng, SHORT);
}

/** A document cut off mid-sentence (a download or a length limit): keep 35–85% and end inside a word. */
export function truncate(rng: Rng, s: string): string {
  const chars = Array.from(s);
  let cut = Math.floor(chars.length * (0.35 + 0.5 * rng.float()));
  while (cut > 1 && /[\s.!?。！？；;,，]/.test(chars[cut - 1])) cut--;
  return chars.slice(0, cut).join("");
}

/** A re-post with small edits: a changed number or word, a source line, punctuation touched. */
export function nearDuplicate(rng: Rng, lang: "en" | "zh", s: string): string {
  let t = s;
  // few enough edits that the copy stays a near duplicate (5-gram Jaccard well above 0.8) even when short
  const edits = s.length >= 400 ? 1 + rng.int(2) : s.length >= 150 ? 1 : 0;
  for (let e = 0; e < edits; e++) {
    const r = rng.float();
    if (r < 0.4 && /\d/.test(t)) {
      const digits = [...t.matchAll(/\d/g)];
      const m = pick(rng, digits);
      const i = m.index ?? 0;
      t = t.slice(0, i) + String((Number(m[0]) + 1 + rng.int(8)) % 10) + t.slice(i + 1);
    } else if (lang === "en") {
      const words = t.split(" ");
      const i = rng.int(words.length);
      words[i] = pick(rng, ["the", "a", "its", "this", "some"]);
      t = words.join(" ");
    } else {
      const chars = Array.from(t);
      const i = rng.int(chars.length);
      chars[i] = pick(rng, ["的", "了", "和", "在"]);
      t = chars.join("");
    }
  }
  const tag =
    lang === "zh"
      ? pick(rng, ["（来源：网络）", "转载：", "【转】", "（本文有删改）"])
      : pick(rng, [" (Reuters)", "UPDATE: ", " [edited]", " (via newswire)"]);
  return tag.endsWith("：") || tag.endsWith("】") || tag.endsWith(": ") ? tag + t : t + tag;
}
