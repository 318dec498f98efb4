/**
 * LZF decompression (liblzf's lzf_decompress, which Redis uses for the
 * strings of its RDB and DUMP payloads): a stream of literal runs and back
 * references into the output written so far.
 *
 * Returns undefined when the input is not a well-formed LZF stream of
 * exactly `outputLength` bytes, so that a caller can fall back to another
 * way of reading rather than trust a half-decoded value.
 */
export function lzfDecompress(input: Uint8Array, outputLength: number): Buffer | undefined {
  const output = Buffer.allocUnsafe(outputLength);
  let read = 0;
  let written = 0;
  while (read < input.length) {
    const control = input[read++] as number;
    if (control < 32) {
      // A literal run of control + 1 bytes.
      const length = control + 1;
      if (read + length > input.length || written + length > outputLength) return undefined;
      output.set(input.subarray(read, read + length), written);
      read += length;
      written += length;
      continue;
    }
    // A back reference: length in the top 3 bits (7 means one more length byte), offset in the low 5 and the next byte.
    let length = control >> 5;
    if (length === 7) {
      if (read >= input.length) return undefined;
      length += input[read++] as number;
    }
    if (read >= input.length) return undefined;
    const from = written - ((control & 0x1f) << 8) - 1 - (input[read++] as number);
    length += 2;
    if (from < 0 || written + length > outputLength) return undefined;
    // Byte by byte: a reference may overlap the bytes it is writing (a repeated run).
    for (let position = 0; position < length; position += 1) output[written + position] = output[from + position] as number;
    written += length;
  }
  return written === outputLength ? output : undefined;
}
