// multipart/form-data with one file part, as the upload endpoints expect
// (form field `uploadfile`, pipeline_upload_server.go).
import { randomBytes } from 'node:crypto';

export function multipartFile(field: string, fileName: string, content: Buffer, contentType = 'application/octet-stream'): { body: Buffer; contentType: string } {
  const boundary = `----kfp-vscode-${randomBytes(12).toString('hex')}`;
  const safeName = fileName.replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${field}"; filename="${safeName}"\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, content, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}
