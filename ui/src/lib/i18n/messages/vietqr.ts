// Messages of the VietQR encoder/decoder (core/src/vietqr): why a payment QR code cannot be made
// or read. Keys `vietqr.*`; the Rust side sends them as error message keys.

export const vi = {
  'vietqr.bank_bin_invalid': 'Mã ngân hàng (BIN) phải gồm đúng 6 chữ số.',
  'vietqr.account_invalid': 'Số tài khoản chỉ gồm chữ và số, tối đa 19 ký tự.',
  'vietqr.amount_invalid': 'Số tiền phải là số nguyên đồng, lớn hơn 0.',
  'vietqr.purpose_invalid':
    'Nội dung chuyển khoản tối đa 25 ký tự, chỉ gồm chữ, số, dấu cách và . , - _ /',
  'vietqr.wrong_crc': 'Mã QR bị hỏng hoặc đã bị sửa (sai mã kiểm tra). Hãy quét lại mã gốc.',
  'vietqr.not_vietqr': 'Đây không phải mã VietQR chuyển khoản ngân hàng.',
  'vietqr.malformed': 'Mã QR thanh toán không đúng định dạng VietQR.',
  'vietqr.no_fee_request': 'Hồ sơ này chưa có yêu cầu nộp phí.',
} as const;

export const en: Record<keyof typeof vi, string> = {
  'vietqr.bank_bin_invalid': 'The bank code (BIN) must be exactly 6 digits.',
  'vietqr.account_invalid': 'The account number has only letters and digits, at most 19.',
  'vietqr.amount_invalid': 'The amount must be a whole number of đồng, more than 0.',
  'vietqr.purpose_invalid':
    'The transfer note has at most 25 characters: letters, digits, spaces and . , - _ /',
  'vietqr.wrong_crc': 'The QR code is damaged or was altered (wrong check code). Scan the original again.',
  'vietqr.not_vietqr': 'This is not a VietQR bank transfer code.',
  'vietqr.malformed': 'The payment QR code is not in the VietQR format.',
  'vietqr.no_fee_request': 'No fee has been requested for this dossier yet.',
};
