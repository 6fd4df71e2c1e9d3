/**
 * Web-page residue: HTML tags and entities left by a careless extraction, and boilerplate — navigation,
 * copyright lines, cookie banners, share buttons, "上一篇/下一篇" — in English and Chinese.
 */
export interface MarkupStats {
  htmlTags: number;
  htmlEntities: number;
  /** Characters inside tags and entities. */
  htmlChars: number;
  /** Distinct boilerplate phrases present. */
  boilerplatePhrases: number;
  /** Characters covered by boilerplate phrases and navigation separators (" | ", " > ", "»"). */
  boilerplateChars: number;
}

const TAG = /<\/?[a-zA-Z][a-zA-Z0-9]{0,15}(?:\s[^<>]{0,300})?\/?>/g;
const ENTITY = /&(?:[a-zA-Z]{2,8}|#\d{2,7}|#[xX][0-9a-fA-F]{2,6});/g;

/** Phrases that mark page furniture rather than content. Matched case-insensitively (ASCII). */
export const BOILERPLATE_PHRASES = [
  "all rights reserved",
  "copyright ©",
  "copyright (c)",
  "privacy policy",
  "terms of use",
  "terms of service",
  "cookie policy",
  "we use cookies",
  "accept cookies",
  "click here",
  "read more",
  "subscribe to our newsletter",
  "sign up for",
  "log in",
  "sign in",
  "share on facebook",
  "share on twitter",
  "follow us on",
  "back to top",
  "skip to content",
  "skip to main content",
  "previous article",
  "next article",
  "previous post",
  "next post",
  "forgot your password",
  "filed under",
  "uncategorized",
  "share this",
  "sitemap",
  "newsletter",
  "powered by",
  "related posts",
  "leave a comment",
  "posted by",
  "enable javascript",
  "contact us",
  "about us",
  "版权所有",
  "保留所有权利",
  "版权声明",
  "免责声明",
  "隐私政策",
  "用户协议",
  "服务条款",
  "点击这里",
  "点击查看",
  "点击进入",
  "阅读全文",
  "阅读原文",
  "查看更多",
  "更多精彩",
  "返回顶部",
  "返回首页",
  "上一篇",
  "下一篇",
  "上一页",
  "下一页",
  "关于我们",
  "联系我们",
  "网站地图",
  "扫描二维码",
  "扫码关注",
  "关注我们",
  "关注公众号",
  "分享到",
  "icp备",
  "侵权请联系",
  "浏览次数",
  "发布时间",
  "猜你喜欢",
  "找回密码",
  "公众号",
  "公网安备",
  "转载请注明",
  "禁止转载",
  "未经授权",
  "责任编辑",
  "热门推荐",
  "相关阅读",
  "相关文章",
  "客服电话",
  "首页",
  "登录",
  "注册",
];

const escapeRe = (p: string) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// Two regexes, so a document only pays for the phrases its script can contain.
const LATIN_PHRASES = new RegExp(
  BOILERPLATE_PHRASES.filter((p) => /^[\x20-\x7e]+$/.test(p))
    .map(escapeRe)
    .join("|"),
  "gi",
);
const CJK_PHRASES = new RegExp(
  BOILERPLATE_PHRASES.filter((p) => !/^[\x20-\x7e]+$/.test(p))
    .map(escapeRe)
    .join("|"),
  "gi",
);
const NAV_SEPARATOR = / [|>»›·] |»|›/g;

export function markupStats(text: string, hasLatin = true, hasCjk = true): MarkupStats {
  let htmlTags = 0;
  let htmlEntities = 0;
  let htmlChars = 0;
  if (text.indexOf("<") >= 0) {
    TAG.lastIndex = 0;
    for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
      htmlTags++;
      htmlChars += m[0].length;
    }
  }
  if (text.indexOf("&") >= 0) {
    ENTITY.lastIndex = 0;
    for (let m = ENTITY.exec(text); m; m = ENTITY.exec(text)) {
      htmlEntities++;
      htmlChars += m[0].length;
    }
  }
  let boilerplateChars = 0;
  const seen = new Set<string>();
  for (const re of [hasLatin ? LATIN_PHRASES : null, hasCjk ? CJK_PHRASES : null]) {
    if (!re) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      seen.add(m[0].toLowerCase());
      boilerplateChars += m[0].length;
    }
  }
  if (seen.size > 0) {
    NAV_SEPARATOR.lastIndex = 0;
    for (let m = NAV_SEPARATOR.exec(text); m; m = NAV_SEPARATOR.exec(text)) boilerplateChars += m[0].length;
  }
  return { htmlTags, htmlEntities, htmlChars, boilerplatePhrases: seen.size, boilerplateChars };
}
