/**
 * The zlib dictionary SPDY/3 header blocks are compressed with (SPDY draft 3, section 2.6.10.1):
 * common header names, each preceded by its length as four bytes, then common values.
 * 1423 bytes, Adler-32 0xe3c6a7c2 — the dictionary id every SPDY/3 header stream announces.
 */
const WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset',
  'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow', 'authorization',
  'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language',
  'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match',
  'if-range', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma',
  'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te',
  'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public',
  'set-cookie', 'keep-alive', 'origin',
];

const VALUES = [
  '10010120120220520630030230330430530630740240540640740840941041141241341441541641',
  '7502504505203 Non-Authoritative Information204 No Content301 Moved Permanently40',
  '0 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error',
  '501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept O',
  'ct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,imag',
  'e/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/',
  'javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1',
  ',utf-,*,enq=0.',
].join('');

export const SPDY_HEADER_DICTIONARY: Buffer = Buffer.concat([
  ...WORDS.map((word) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length, 0);
    return Buffer.concat([length, Buffer.from(word)]);
  }),
  Buffer.from(VALUES),
]);
