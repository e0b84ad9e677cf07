/**
 * Text made safe for XML 1.0 and for the CI pages that show it: ANSI colour
 * and cursor sequences removed (a coloured error message from a tool must not
 * reach a JUnit file as "[31m"), control characters XML forbids dropped,
 * lone surrogates dropped; tab and newline kept.
 */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function cleanText(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(FORBIDDEN, '');
}

/** Element content: cleaned and escaped. */
export function xmlText(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute value: cleaned, escaped, one line (parsers would fold newlines into spaces anyway). */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, ' ').replace(/\t/g, ' ');
}
