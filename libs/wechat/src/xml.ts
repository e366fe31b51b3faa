/**
 * WeChat's XML envelopes and messages. The input comes from the internet before any signature
 * is checked, so the parser never expands entities or reads a DTD, and any DOCTYPE or ENTITY
 * declaration is refused outright (billion laughs, external entities).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export class WechatXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatXmlError';
  }
}

const TEXT = '#text';
const CDATA = '#cdata';
const DTD_DECLARATION = /<!\s*(doctype|entity)/i;
const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters XML 1.0 never allows anywhere (NUL, other C0 controls, lone surrogates, U+FFFE/F). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const parser = new XMLParser({
  preserveOrder: true,
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: CDATA,
  commentPropName: false,
  textNodeName: TEXT,
});

type OrderedNode = Record<string, unknown>;

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== TEXT && k !== CDATA && k !== ':@');
}

function textOf(nodes: OrderedNode[]): string {
  return nodes.map((n) => (typeof n[TEXT] === 'string' ? n[TEXT] : '')).join('');
}

/**
 * An element holding CDATA yields the CDATA content untouched (the whitespace WeChat's
 * pretty-printed samples put around it is layout, not data); otherwise the text as written.
 * Entities are left as written too: `&amp;` stays `&amp;`, nothing is decoded behind anyone's back.
 */
function leafValue(children: OrderedNode[]): string | undefined {
  if (children.some((c) => elementName(c) !== undefined)) return undefined;
  const cdata = children.filter((c) => CDATA in c);
  if (cdata.length > 0) return cdata.map((c) => textOf(c[CDATA] as OrderedNode[])).join('');
  return textOf(children);
}

/**
 * The flat children of the root `<xml>` element, as strings. Elements that have child elements
 * of their own are left out: no field wxgate reads is nested. A repeated field is refused, so a
 * signature can never be checked over one `Encrypt` and another one decrypted.
 */
export function parseWechatXml(xml: string): Record<string, string> {
  if (typeof xml !== 'string' || xml.trim() === '') throw new WechatXmlError('XML body is empty');
  if (DTD_DECLARATION.test(xml)) throw new WechatXmlError('XML with a DOCTYPE or ENTITY declaration is refused');
  if (NOT_XML_CHAR.test(xml)) throw new WechatXmlError('XML contains a character XML does not allow');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new WechatXmlError(`malformed XML at line ${valid.err.line}: ${valid.err.code}`);
  let doc: OrderedNode[];
  try {
    doc = parser.parse(xml) as OrderedNode[];
  } catch {
    throw new WechatXmlError('malformed XML');
  }
  const roots = doc.filter((n) => elementName(n) !== undefined);
  const strayText = doc.some((n) => typeof n[TEXT] === 'string' && (n[TEXT] as string).trim() !== '');
  if (roots.length !== 1 || strayText || elementName(roots[0]!) !== 'xml') {
    throw new WechatXmlError('XML must have a single <xml> root element');
  }
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const child of roots[0]!.xml as OrderedNode[]) {
    const name = elementName(child);
    if (name === undefined) continue;
    const value = leafValue(child[name] as OrderedNode[]);
    if (value === undefined) continue;
    if (Object.hasOwn(fields, name)) throw new WechatXmlError(`XML field <${name}> is repeated`);
    fields[name] = value;
  }
  return { ...fields };
}

/** `]]>` cannot appear inside a CDATA section: end the section before `>` and start another. */
function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

export function buildWechatXml(fields: Record<string, string | number>): string {
  let out = '<xml>';
  for (const [name, value] of Object.entries(fields)) {
    if (!ELEMENT_NAME.test(name) || /^xml/i.test(name)) throw new WechatXmlError(`invalid XML element name ${JSON.stringify(name)}`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new WechatXmlError(`XML field <${name}> is not a finite number`);
      out += `<${name}>${value}</${name}>`;
    } else {
      out += `<${name}>${cdata(value)}</${name}>`;
    }
  }
  return `${out}</xml>`;
}

/** Fields WeChat sends as Unix seconds, published as numbers (docs/nats-interface.md Events). */
export const WECHAT_NUMERIC_FIELDS: readonly string[] = ['CreateTime', 'AuthorizationCodeExpiredTime'];

/**
 * A decrypted callback message as the event body of `wxgate.events.wechat.*`: WeChat's field
 * names kept, time fields as numbers. A time field that is not a decimal integer stays a string
 * rather than becoming NaN (which JSON would turn into null).
 */
export function wechatMessageToEvent(fields: Record<string, string>): Record<string, string | number> {
  const event: Record<string, string | number> = { ...fields };
  for (const name of WECHAT_NUMERIC_FIELDS) {
    const value = fields[name];
    if (value !== undefined && /^\s*-?\d{1,15}\s*$/.test(value)) event[name] = Number(value);
  }
  return event;
}
