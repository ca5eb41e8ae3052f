//! The words of each message, Vietnamese (as the app shows the same states), with an accent-free
//! form for SMS gateways that send only GSM characters.

use dvc_protocol::auth::OtpPurpose;
use dvc_protocol::dossiers::DossierState;
use unicode_normalization::UnicodeNormalization;

use super::Body;

/// The app's name as it opens every message.
pub const SENDER: &str = "DVC Đồng Hành";

/// A state as the app names it.
pub fn state_label(state: DossierState) -> &'static str {
    match state {
        DossierState::Received => "Đã được tiếp nhận",
        DossierState::Accepted => "Đã được chấp nhận",
        DossierState::SupplementRequested => "Cần bổ sung giấy tờ",
        DossierState::FeeRequested => "Cần nộp phí",
        DossierState::Paid => "Đã nộp phí",
        DossierState::ResultReady => "Đã có kết quả",
        DossierState::Completed => "Đã hoàn thành",
        DossierState::Rejected => "Bị từ chối",
        DossierState::Cancelled => "Đã hủy",
    }
}

/// `(subject, text)` of a message. The text is short enough for one Unicode SMS segment pair.
pub fn render(body: &Body) -> (String, String) {
    match body {
        Body::Otp {
            code,
            purpose,
            valid_min,
        } if *purpose == OtpPurpose::Consent => (
            format!("{SENDER}: mã đồng ý cho người hỗ trợ"),
            // No name, no procedure: only what the person holding the phone needs to decide.
            format!(
                "{SENDER}: mã {code} để đồng ý cho người hỗ trợ nộp hồ sơ thay bạn, hiệu lực \
                 {valid_min} phút. Chỉ nhập mã nếu bạn đồng ý."
            ),
        ),
        Body::Otp {
            code,
            purpose,
            valid_min,
        } => {
            let what = match purpose {
                OtpPurpose::Register => "xác nhận đăng ký",
                OtpPurpose::PasswordReset => "đặt lại mật khẩu",
                OtpPurpose::Consent => "đồng ý",
            };
            (
                format!("{SENDER}: mã {what}"),
                format!(
                    "{SENDER}: mã {what} của bạn là {code}, hiệu lực {valid_min} phút. \
                     Không đưa mã này cho ai."
                ),
            )
        }
        Body::AccountExists => (
            format!("{SENDER}: số điện thoại đã có tài khoản"),
            format!(
                "{SENDER}: số điện thoại này đã có tài khoản. Nếu bạn vừa đăng ký, hãy đăng nhập \
                 hoặc chọn Quên mật khẩu."
            ),
        ),
        Body::Status {
            dossier_code,
            state,
        } => (
            format!("{SENDER}: hồ sơ {dossier_code}"),
            format!("{SENDER}: hồ sơ {dossier_code}: {}.", state_label(*state)),
        ),
    }
}

/// The text without diacritics (`Đồng` → `Dong`), for gateways limited to GSM characters.
pub fn ascii(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_messages_carry_code_and_state_only() {
        let (subject, text) = render(&Body::Status {
            dossier_code: "000.30.27.H23-220928-0001".into(),
            state: DossierState::FeeRequested,
        });
        assert_eq!(subject, "DVC Đồng Hành: hồ sơ 000.30.27.H23-220928-0001");
        assert_eq!(
            text,
            "DVC Đồng Hành: hồ sơ 000.30.27.H23-220928-0001: Cần nộp phí."
        );
        for s in DossierState::ALL {
            assert!(!state_label(*s).is_empty());
        }
    }

    #[test]
    fn codes_and_ascii() {
        let (_, text) = render(&Body::Otp {
            code: "042917".into(),
            purpose: OtpPurpose::PasswordReset,
            valid_min: 10,
        });
        assert!(
            text.contains("042917") && text.contains("10 phút"),
            "{text}"
        );
        assert_eq!(
            ascii("DVC Đồng Hành: Cần bổ sung giấy tờ"),
            "DVC Dong Hanh: Can bo sung giay to"
        );
        assert!(ascii(&text).is_ascii());
    }

    #[test]
    fn a_consent_code_says_what_it_allows_and_nothing_more() {
        let (subject, text) = render(&Body::Otp {
            code: "530071".into(),
            purpose: OtpPurpose::Consent,
            valid_min: 10,
        });
        assert!(subject.contains("đồng ý"), "{subject}");
        assert!(
            text.contains("530071") && text.contains("10 phút"),
            "{text}"
        );
        assert!(text.contains("nộp hồ sơ thay bạn"), "{text}");
        // not the warning of the other codes: this one is typed on the volunteer's phone
        assert!(!text.contains("Không đưa mã"), "{text}");
        // two Unicode SMS segments at most
        assert!(text.chars().count() <= 134, "{}", text.chars().count());
        assert!(ascii(&text).is_ascii());
    }
}
