// Messages of the sync client (sending dossiers, status, account). Keys `sync.*`; the Rust sync
// module sends the `sync.reason.*` (why a dossier was set aside) and `sync.error.*` keys below.

export const vi = {
  'sync.reason.conflict': 'Máy chủ đã có một hồ sơ khác cùng mã gửi. Hãy tạo lại hồ sơ này rồi nộp lại.',
  'sync.reason.invalid': 'Máy chủ không nhận hồ sơ vì thông tin chưa đúng. Hãy kiểm tra lại hồ sơ.',
  'sync.reason.unknown_agency': 'Cơ quan tiếp nhận này chưa nhận hồ sơ qua máy chủ. Hãy chọn cơ quan khác.',
  'sync.reason.too_large': 'Ảnh hoặc giấy tờ đính kèm quá lớn. Hãy chụp lại ảnh nhỏ hơn.',
  'sync.reason.quota': 'Tài khoản đã dùng hết dung lượng trên máy chủ. Hãy liên hệ bộ phận hỗ trợ.',
  'sync.reason.consent_missing': 'Người dân chưa đồng ý cho bạn nộp hồ sơ thay. Hãy nhờ họ đồng ý trong ứng dụng.',
  'sync.reason.forbidden': 'Tài khoản này không được nộp loại hồ sơ này.',
  'sync.reason.document_missing': 'Không đọc được ảnh hoặc giấy tờ đính kèm trên máy. Hãy đính kèm lại.',
  'sync.reason.bad_dossier': 'Hồ sơ trên máy bị lỗi, không gửi được. Hãy tạo lại hồ sơ.',
  'sync.error.bad_url': 'Địa chỉ máy chủ không đúng. Địa chỉ phải bắt đầu bằng https://',
  'sync.error.not_signed_in': 'Bạn chưa đăng nhập. Hãy đăng nhập để gửi hồ sơ.',
  'sync.error.no_agency': 'Chưa chọn cơ quan tiếp nhận hồ sơ.',
  'sync.error.wrong_password': 'Số điện thoại hoặc mật khẩu không đúng.',
  'sync.error.rate_limited': 'Bạn thử quá nhiều lần. Hãy đợi vài phút rồi thử lại.',
  'sync.error.refused': 'Máy chủ từ chối yêu cầu. Hãy thử lại sau.',
  'sync.error.network': 'Không kết nối được máy chủ. Hồ sơ vẫn được giữ trên máy và sẽ tự gửi khi có mạng.',
  'sync.error.update_app': 'Phiên bản ứng dụng đã cũ. Hãy cập nhật ứng dụng để gửi hồ sơ.',
};

export const en = {
  'sync.reason.conflict': 'The server already has a different dossier under the same key. Create this dossier again and resubmit.',
  'sync.reason.invalid': 'The server did not accept the dossier because some information is wrong. Please check it.',
  'sync.reason.unknown_agency': 'This receiving agency does not take dossiers through the server yet. Choose another agency.',
  'sync.reason.too_large': 'An attached photo or paper is too large. Please take a smaller photo.',
  'sync.reason.quota': 'The account has used all its storage on the server. Please contact support.',
  'sync.reason.consent_missing': 'The citizen has not agreed to let you submit for them. Ask them to agree in the app.',
  'sync.reason.forbidden': 'This account may not submit this kind of dossier.',
  'sync.reason.document_missing': 'An attached photo or paper cannot be read on this phone. Please attach it again.',
  'sync.reason.bad_dossier': 'The dossier on this phone is damaged and cannot be sent. Please create it again.',
  'sync.error.bad_url': 'The server address is wrong. It must start with https://',
  'sync.error.not_signed_in': 'You are not signed in. Sign in to send dossiers.',
  'sync.error.no_agency': 'No receiving agency has been chosen.',
  'sync.error.wrong_password': 'The phone number or password is wrong.',
  'sync.error.rate_limited': 'Too many attempts. Please wait a few minutes and try again.',
  'sync.error.refused': 'The server refused the request. Please try again later.',
  'sync.error.network': 'Cannot reach the server. The dossier stays on this phone and is sent when there is a connection.',
  'sync.error.update_app': 'This app version is too old. Please update the app to send dossiers.',
};
