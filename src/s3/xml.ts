/**
 * XML in and out. Responses are built from plain objects by fast-xml-parser's builder (values
 * escaped); request bodies (DeleteObjects, CompleteMultipartUpload) are read with a size cap
 * and with entity processing off, so a hostile body cannot expand.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { S3Error } from './s3.errors';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });
const parser = new XMLParser({ ignoreAttributes: true, processEntities: false, parseTagValue: false, trimValues: false, isArray: (name) => ['Object', 'Part'].includes(name) });

export type XmlValue = string | number | boolean | XmlNode | XmlValue[] | undefined;
export interface XmlNode {
  [name: string]: XmlValue;
}

/** `<?xml ...?><root xmlns=...>body</root>`. */
export function xmlDocument(root: string, body: XmlNode, namespace = true): string {
  const node: XmlNode = namespace ? { '@_xmlns': S3_XMLNS, ...body } : body;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ [root]: node }) as string}`;
}

export function errorDocument(code: string, message: string, resource: string, requestId: string): string {
  return xmlDocument('Error', { Code: code, Message: message, Resource: resource, RequestId: requestId }, false);
}

/** Parses a small XML request body; MalformedXML when it is not XML or lacks `root`. */
export function parseXmlBody(text: string, root: string): XmlNode {
  let doc: XmlNode;
  try {
    doc = parser.parse(text, true) as XmlNode;
  } catch {
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed');
  }
  const node = doc?.[root];
  if (node === undefined) throw new S3Error('MalformedXML', `The XML you provided has no ${root} element`);
  return typeof node === 'object' && !Array.isArray(node) ? node : {};
}

/** Reads a request body up to `limit` bytes as text (for the XML bodies only). */
export async function readSmallBody(body: AsyncIterable<Buffer>, limit = MAX_XML_BODY_BYTES): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.length;
    if (size > limit) throw new S3Error('MalformedXML', `The request body is larger than ${limit} bytes`);
    parts.push(piece);
  }
  return Buffer.concat(parts).toString('utf8');
}

const NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

/** The XML five and numeric character references, decoded (entity expansion stays off). */
function decodeEntities(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (m, e: string) => {
    if (NAMED[e]) return NAMED[e];
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Text of an element that may be absent, with character references decoded. */
export function text(x: XmlValue): string | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x === 'object') return undefined;
  return decodeEntities(String(x));
}
