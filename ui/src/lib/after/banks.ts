// Common NAPAS bank BINs (the 6 digits in a VietQR code) and the short names people know from
// their banking apps. Offline on purpose: the fee screen never fetches a bank list. An unknown BIN
// shows the digits themselves.

export interface Bank {
  bin: string;
  short: string;
  name: string;
}

export const BANKS: readonly Bank[] = [
  { bin: '970436', short: 'Vietcombank', name: 'Ngân hàng TMCP Ngoại thương Việt Nam' },
  { bin: '970415', short: 'VietinBank', name: 'Ngân hàng TMCP Công thương Việt Nam' },
  { bin: '970418', short: 'BIDV', name: 'Ngân hàng TMCP Đầu tư và Phát triển Việt Nam' },
  { bin: '970405', short: 'Agribank', name: 'Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam' },
  { bin: '970422', short: 'MB', name: 'Ngân hàng TMCP Quân đội' },
  { bin: '970407', short: 'Techcombank', name: 'Ngân hàng TMCP Kỹ thương Việt Nam' },
  { bin: '970416', short: 'ACB', name: 'Ngân hàng TMCP Á Châu' },
  { bin: '970432', short: 'VPBank', name: 'Ngân hàng TMCP Việt Nam Thịnh Vượng' },
  { bin: '970423', short: 'TPBank', name: 'Ngân hàng TMCP Tiên Phong' },
  { bin: '970403', short: 'Sacombank', name: 'Ngân hàng TMCP Sài Gòn Thương Tín' },
  { bin: '970437', short: 'HDBank', name: 'Ngân hàng TMCP Phát triển TP. Hồ Chí Minh' },
  { bin: '970441', short: 'VIB', name: 'Ngân hàng TMCP Quốc tế Việt Nam' },
  { bin: '970443', short: 'SHB', name: 'Ngân hàng TMCP Sài Gòn – Hà Nội' },
  { bin: '970431', short: 'Eximbank', name: 'Ngân hàng TMCP Xuất Nhập khẩu Việt Nam' },
  { bin: '970426', short: 'MSB', name: 'Ngân hàng TMCP Hàng Hải Việt Nam' },
  { bin: '970448', short: 'OCB', name: 'Ngân hàng TMCP Phương Đông' },
  { bin: '970440', short: 'SeABank', name: 'Ngân hàng TMCP Đông Nam Á' },
  { bin: '970449', short: 'LPBank', name: 'Ngân hàng TMCP Lộc Phát Việt Nam' },
  { bin: '970454', short: 'BVBank', name: 'Ngân hàng TMCP Bản Việt' },
  { bin: '970429', short: 'SCB', name: 'Ngân hàng TMCP Sài Gòn' },
  { bin: '970452', short: 'KienlongBank', name: 'Ngân hàng TMCP Kiên Long' },
  { bin: '970409', short: 'BacABank', name: 'Ngân hàng TMCP Bắc Á' },
  { bin: '970412', short: 'PVcomBank', name: 'Ngân hàng TMCP Đại Chúng Việt Nam' },
  { bin: '970428', short: 'Nam A Bank', name: 'Ngân hàng TMCP Nam Á' },
  { bin: '970438', short: 'BaoViet Bank', name: 'Ngân hàng TMCP Bảo Việt' },
  { bin: '970427', short: 'VietABank', name: 'Ngân hàng TMCP Việt Á' },
  { bin: '970419', short: 'NCB', name: 'Ngân hàng TMCP Quốc Dân' },
  { bin: '970400', short: 'Saigonbank', name: 'Ngân hàng TMCP Sài Gòn Công Thương' },
  { bin: '970430', short: 'PGBank', name: 'Ngân hàng TMCP Thịnh vượng và Phát triển' },
  { bin: '970425', short: 'ABBANK', name: 'Ngân hàng TMCP An Bình' },
  { bin: '970433', short: 'VietBank', name: 'Ngân hàng TMCP Việt Nam Thương Tín' },
  { bin: '970408', short: 'GPBank', name: 'Ngân hàng Thương mại TNHH MTV Dầu Khí Toàn Cầu' },
  { bin: '970446', short: 'Co-opBank', name: 'Ngân hàng Hợp tác xã Việt Nam' },
  { bin: '970424', short: 'Shinhan Bank', name: 'Ngân hàng TNHH MTV Shinhan Việt Nam' },
];

const byBin = new Map(BANKS.map((b) => [b.bin, b]));

/** The bank of a BIN (surrounding spaces ignored), or null when the table does not know it. */
export function bankOf(bin: string): Bank | null {
  return byBin.get(bin.trim()) ?? null;
}

/** What to print for a BIN: "Vietcombank" for a known one, the digits otherwise. */
export function bankLabel(bin: string): string {
  return bankOf(bin)?.short ?? bin.trim();
}
