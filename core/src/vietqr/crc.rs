//! CRC-16/CCITT-FALSE (also catalogued as CRC-16/IBM-3740): polynomial 0x1021, initial value
//! 0xFFFF, no reflection, no final XOR. EMVCo tag 63 is this CRC over the whole payload up to and
//! including the literal `6304`. Ten lines, so no dependency for it.

/// The CRC of `data`.
pub fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The CRC as EMVCo writes it: 4 upper-case hexadecimal digits.
pub fn crc_hex(data: &[u8]) -> String {
    format!("{:04X}", crc16_ccitt_false(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_value() {
        // The standard check value of CRC-16/CCITT-FALSE (= CRC-16/IBM-3740) for "123456789".
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
        assert_eq!(crc16_ccitt_false(b""), 0xFFFF);
        assert_eq!(crc_hex(b"123456789"), "29B1");
    }

    #[test]
    fn hex_is_four_upper_case_digits() {
        for data in [&b"A"[..], b"6304", b"\x00\x00"] {
            let h = crc_hex(data);
            assert_eq!(h.len(), 4);
            assert!(h
                .chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)));
        }
    }
}
