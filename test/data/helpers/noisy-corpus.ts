import { Rng } from "../../../src/util/rng.js";

/**
 * A small seeded generator of labelled mixed-quality documents for the data-quality tests (the demo-corpus
 * generator in src/data/demo is the user-facing one). Clean documents are Chinese or English medical prose
 * built from sentence templates with many slot fillers, so two clean documents rarely share long n-grams;
 * noise is derived from clean documents the way it arises in real corpora.
 */
export const NOISE_LABELS = [
  "exact_dup",
  "near_dup",
  "mojibake",
  "replacement",
  "boilerplate",
  "html",
  "repetition",
  "random",
  "too_short",
  "truncated",
] as const;
export type Label = "clean" | (typeof NOISE_LABELS)[number];

export interface LabelledDoc {
  text: string;
  label: Label;
  lang: "zh" | "en";
}

const ZH = {
  subj: [
    "患者",
    "该患者",
    "老年患者",
    "部分儿童",
    "孕妇",
    "慢性肾病患者",
    "糖尿病患者",
    "高血压患者",
    "少数病人",
    "临床医师",
    "护理人员",
    "研究人员",
    "本组病例中的多数人",
    "住院病人",
    "门诊病人",
    "接触者",
    "密切接触者",
    "免疫力低下的人群",
    "医务人员",
    "康复期患者",
  ],
  pred: [
    "出现了",
    "表现为",
    "伴有",
    "需要接受",
    "应当进行",
    "可以采用",
    "通常伴随",
    "在早期出现",
    "较少出现",
    "不宜立即开始",
    "往往忽视了",
    "逐渐发展为",
    "明显改善了",
    "主要依靠",
    "需要长期坚持",
  ],
  obj: [
    "持续高热",
    "咳嗽和咳痰",
    "胸闷气短",
    "全身皮疹",
    "肝功能异常",
    "白细胞升高",
    "抗生素治疗",
    "静脉补液",
    "卧床休息",
    "血常规检查",
    "胸部影像学检查",
    "低盐饮食",
    "定期复查",
    "关节疼痛",
    "食欲减退",
    "头痛和乏力",
    "腹泻与呕吐",
    "淋巴结肿大",
    "心率加快",
    "呼吸困难",
    "血压波动",
    "体重下降",
    "睡眠障碍",
    "抗病毒药物",
    "营养支持",
    "隔离观察",
    "疫苗接种",
    "口服补液盐",
    "对症处理",
    "病原学检测",
  ],
  adv: [
    "在入院后第三天",
    "经过两周的治疗后",
    "在冬春季节",
    "如果症状持续超过一周",
    "在确诊之前",
    "一般情况下",
    "与普通感冒相比",
    "在潜伏期结束时",
    "随着病情进展",
    "在恢复期",
    "在流行高峰期间",
    "出院以后",
    "在夜间",
    "接受手术之后",
    "在首次就诊时",
  ],
  conn: ["因此", "同时", "但是", "此外", "所以", "然而", "并且"],
  topic: [
    "流行性感冒",
    "细菌性痢疾",
    "病毒性肝炎",
    "伤寒",
    "麻疹",
    "水痘",
    "手足口病",
    "结核病",
    "疟疾",
    "登革热",
    "布鲁菌病",
    "猩红热",
    "百日咳",
    "流行性腮腺炎",
    "破伤风",
  ],
  adj: ["非常重要", "十分必要", "比较常见", "相对少见", "值得重视", "不可忽视", "较为复杂"],
};

const EN = {
  subj: [
    "The patient",
    "Most patients",
    "Elderly patients",
    "Young children",
    "Pregnant women",
    "The attending physician",
    "Nurses on the ward",
    "Researchers",
    "Close contacts",
    "People with diabetes",
    "Hospitalized adults",
    "The control group",
    "Several volunteers",
    "Health workers",
    "Travellers returning from the tropics",
  ],
  pred: [
    "developed",
    "reported",
    "presented with",
    "required",
    "received",
    "showed",
    "recovered after",
    "were treated with",
    "complained of",
    "were screened for",
    "were advised to avoid",
    "gradually lost",
    "responded well to",
    "were monitored for",
    "rarely experienced",
  ],
  obj: [
    "a persistent fever",
    "a dry cough",
    "shortness of breath",
    "a widespread rash",
    "abnormal liver enzymes",
    "a raised white cell count",
    "intravenous antibiotics",
    "oral rehydration",
    "bed rest",
    "a chest radiograph",
    "a low-salt diet",
    "regular follow-up visits",
    "joint pain",
    "loss of appetite",
    "headache and fatigue",
    "diarrhoea and vomiting",
    "swollen lymph nodes",
    "a rapid heart rate",
    "unexplained weight loss",
    "antiviral medication",
    "nutritional support",
    "a period of isolation",
    "a booster vaccination",
    "symptomatic treatment",
    "a blood culture",
  ],
  adv: [
    "On the third day of admission",
    "After two weeks of treatment",
    "During the winter months",
    "If symptoms last longer than a week",
    "Before the diagnosis was confirmed",
    "In most cases",
    "Compared with the common cold",
    "At the end of the incubation period",
    "As the disease progressed",
    "During recovery",
    "At the peak of the outbreak",
    "After discharge",
    "At night",
    "After surgery",
    "At the first visit",
  ],
  conn: ["Therefore", "At the same time", "However", "In addition", "As a result", "Nevertheless"],
  topic: [
    "influenza",
    "bacillary dysentery",
    "viral hepatitis",
    "typhoid fever",
    "measles",
    "chickenpox",
    "tuberculosis",
    "malaria",
    "dengue fever",
    "brucellosis",
    "scarlet fever",
    "whooping cough",
    "mumps",
    "tetanus",
    "cholera",
  ],
  adj: [
    "essential",
    "often overlooked",
    "relatively common",
    "rather unusual",
    "worth monitoring",
    "quite complex",
  ],
};

/** Picks fillers without repeating one within a document (real prose varies its words). */
function picker(r: Rng, used = new Set<string>()): <T extends string>(a: T[]) => T {
  return (a) => {
    for (let tries = 0; tries < 8; tries++) {
      const x = a[r.int(a.length)];
      if (!used.has(x)) {
        used.add(x);
        return x;
      }
    }
    return a[r.int(a.length)];
  };
}

function zhSentence(r: Rng, template: number, p = picker(r)): string {
  switch (template) {
    case 0:
      return `${p(ZH.adv)}，${p(ZH.subj)}${p(ZH.pred)}${p(ZH.obj)}。`;
    case 1:
      return `${p(ZH.subj)}${p(ZH.pred)}${p(ZH.obj)}，${p(ZH.conn)}${p(ZH.subj)}${p(ZH.pred)}${p(ZH.obj)}。`;
    case 2:
      return `对于${p(ZH.subj)}来说，${p(ZH.obj)}是${p(ZH.adj)}的。`;
    case 3:
      return `${p(ZH.topic)}的主要表现包括${p(ZH.obj)}、${p(ZH.obj)}和${p(ZH.obj)}。`;
    case 4:
      return `研究表明，约有${5 + r.int(90)}%的${p(ZH.subj)}在${p(ZH.adv).replace(/^在/, "")}${p(ZH.pred)}${p(ZH.obj)}。`;
    default:
      return `${p(ZH.topic)}${p(ZH.adv).startsWith("在") ? p(ZH.adv) : "在临床上"}较为多见，${p(ZH.conn)}${p(ZH.obj)}${p(ZH.adj)}。`;
  }
}

function enSentence(r: Rng, template: number, p = picker(r)): string {
  switch (template) {
    case 0:
      return `${p(EN.adv)}, ${p(EN.subj).toLowerCase()} ${p(EN.pred)} ${p(EN.obj)}.`;
    case 1:
      return `${p(EN.subj)} ${p(EN.pred)} ${p(EN.obj)}, and ${p(EN.subj).toLowerCase()} ${p(EN.pred)} ${p(EN.obj)}.`;
    case 2:
      return `For ${p(EN.subj).toLowerCase()}, ${p(EN.obj)} is ${p(EN.adj)}.`;
    case 3:
      return `The main signs of ${p(EN.topic)} include ${p(EN.obj)}, ${p(EN.obj)} and ${p(EN.obj)}.`;
    default:
      return `${p(EN.conn)}, about ${5 + r.int(90)} percent of ${p(EN.subj).toLowerCase()} ${p(EN.pred)} ${p(EN.obj)}.`;
  }
}

export function cleanDoc(r: Rng, lang: "zh" | "en", sentences = 2 + r.int(4)): string {
  // Each template at most once per document, as real prose does not repeat its sentence frames.
  const templates = r.shuffle(Array.from({ length: lang === "zh" ? 6 : 5 }, (_, i) => i)) as number[];
  const parts: string[] = [];
  const p = picker(r);
  for (let i = 0; i < Math.min(sentences, templates.length); i++)
    parts.push(lang === "zh" ? zhSentence(r, templates[i], p) : enSentence(r, templates[i], p));
  return parts.join(lang === "zh" ? "" : " ");
}

const BOILER_ZH = [
  "首页 | 关于我们 | 联系我们 | 网站地图 | 隐私政策",
  "版权所有 © 2015-2023 健康医疗网 保留所有权利 京ICP备12345678号",
  "上一篇：冬季如何预防感冒 下一篇：儿童发热的处理 点击查看更多",
  "扫描二维码关注我们 关注公众号获取更多健康资讯 转载请注明出处",
  "责任编辑：王明 本文来源：网络 未经授权禁止转载 返回顶部",
];
const BOILER_EN = [
  "Home | About Us | Contact Us | Privacy Policy | Terms of Use",
  "Copyright © 2023 HealthSite Inc. All rights reserved. Powered by WordPress.",
  "We use cookies to improve your experience. Accept cookies | Cookie Policy | Read more",
  "Share on Facebook Share on Twitter Follow us on Instagram Subscribe to our newsletter",
  "Posted by admin | Leave a comment | Related posts | Back to top",
];

function gbkEncoder(): Map<number, [number, number]> {
  const map = new Map<number, [number, number]>();
  const d = new TextDecoder("gbk");
  const b = new Uint8Array(2);
  for (let a = 0x81; a <= 0xfe; a++)
    for (let c = 0x40; c <= 0xfe; c++) {
      if (c === 0x7f) continue;
      b[0] = a;
      b[1] = c;
      const s = d.decode(b);
      if (s.length === 1 && s !== "\ufffd" && !map.has(s.charCodeAt(0))) map.set(s.charCodeAt(0), [a, c]);
    }
  return map;
}
let gbk: Map<number, [number, number]> | undefined;

function mojibake(r: Rng, text: string, lang: "zh" | "en"): string {
  // English needs non-ASCII characters for a wrong decoder to show: typographic quotes and dashes.
  if (lang === "en")
    text = text
      .replace(/, /g, " — ")
      .replace(/\bThe /g, "“The ")
      .replace(/\.( |$)/g, ".”$1");
  const utf8 = Buffer.from(text, "utf8");
  const mode = r.int(lang === "zh" ? 3 : 2);
  if (mode === 0) return new TextDecoder("latin1").decode(utf8); // UTF-8 read as cp1252/Latin-1
  if (mode === 1) return lang === "zh" ? new TextDecoder("gbk").decode(utf8) : utf8.toString("latin1");
  gbk ??= gbkEncoder(); // GBK bytes read as Latin-1
  const bytes: number[] = [];
  for (const ch of text) {
    const pair = gbk.get(ch.charCodeAt(0));
    if (pair) bytes.push(...pair);
    else bytes.push(ch.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes).toString("latin1");
}

function randomText(r: Rng): string {
  const n = 20 + r.int(200);
  let s = "";
  switch (r.int(3)) {
    case 0:
      for (let i = 0; i < n; i++) s += String.fromCharCode(0x4e00 + r.int(0x9fa5 - 0x4e00));
      return s;
    case 1:
      for (let i = 0; i < n; i++) s += String.fromCharCode(0x21 + r.int(94));
      return s;
    default:
      for (let i = 0; i < n; i++) {
        const len = 2 + r.int(8);
        let w = "";
        for (let j = 0; j < len; j++) w += String.fromCharCode(0x61 + r.int(26));
        s += `${w} `;
      }
      return s.trim();
  }
}

function repetition(r: Rng, lang: "zh" | "en"): string {
  const unit =
    r.int(2) === 0
      ? lang === "zh"
        ? ["哈哈", "好的好的", "点击领取", "重要的事情说三遍", "加微信了解详情"][r.int(5)]
        : ["buy now ", "click here ", "lol ", "best price best price ", "free free free "][r.int(5)]
      : lang === "zh"
        ? zhSentence(r, r.int(6))
        : `${enSentence(r, r.int(5))} `;
  return unit.repeat(6 + r.int(20)).trim();
}

const SHORT_ZH = ["好的", "谢谢", "第三章", "目录", "是", "嗯嗯", "附录A", "图1"];
const SHORT_EN = ["OK", "Thanks!", "Chapter 3", "Table 2", "yes", "See above", "Index"];

export interface CorpusSpec {
  seed?: number;
  docs: number;
  /** Share of noisy documents (default 0.3), spread evenly over the kinds. */
  noise?: number;
  /** Share of English documents (default 0.3). */
  english?: number;
}

export function noisyCorpus(spec: CorpusSpec): LabelledDoc[] {
  const r = new Rng(spec.seed ?? 1);
  const noise = spec.noise ?? 0.3;
  const english = spec.english ?? 0.3;
  const out: LabelledDoc[] = [];
  const cleanSoFar: LabelledDoc[] = [];
  for (let i = 0; i < spec.docs; i++) {
    const lang = r.float() < english ? "en" : "zh";
    if (r.float() >= noise || cleanSoFar.length < 5) {
      const d: LabelledDoc = { text: cleanDoc(r, lang), label: "clean", lang };
      out.push(d);
      cleanSoFar.push(d);
      continue;
    }
    const label = NOISE_LABELS[r.int(NOISE_LABELS.length)];
    const base = cleanSoFar[r.int(cleanSoFar.length)];
    const fresh = cleanDoc(r, lang, 3 + r.int(4));
    let text: string;
    switch (label) {
      case "exact_dup":
        text = base.text;
        break;
      case "near_dup": {
        const chars = [...base.text];
        for (let k = 0; k < 2; k++) {
          const at = r.int(chars.length);
          chars[at] = base.lang === "zh" ? "的" : "e";
        }
        text = chars.join("");
        break;
      }
      case "mojibake":
        text = mojibake(r, fresh, lang);
        break;
      case "replacement": {
        const chars = [...fresh];
        const k = 1 + r.int(4);
        for (let j = 0; j < k; j++) chars[r.int(chars.length)] = "\ufffd";
        text = chars.join("");
        break;
      }
      case "boilerplate": {
        const pool = lang === "zh" ? BOILER_ZH : BOILER_EN;
        text =
          r.int(2) === 0
            ? pool[r.int(pool.length)]
            : `${pool[r.int(pool.length)]} ${pool[r.int(pool.length)]}`;
        break;
      }
      case "html":
        text = `<div class="article"><p>${fresh}</p><br/>&nbsp;<span>${lang === "zh" ? "来源" : "Source"}</span></div>`;
        break;
      case "repetition":
        text = repetition(r, lang);
        break;
      case "random":
        text = randomText(r);
        break;
      case "too_short":
        text = lang === "zh" ? SHORT_ZH[r.int(SHORT_ZH.length)] : SHORT_EN[r.int(SHORT_EN.length)];
        break;
      case "truncated": {
        const cut = Math.floor(fresh.length * (0.3 + 0.5 * r.float()));
        text = fresh.slice(0, cut).replace(/[。！？.!?,，、\s]+$/u, "");
        break;
      }
    }
    out.push({ text, label, lang: base.lang === lang ? lang : lang });
  }
  return out;
}
