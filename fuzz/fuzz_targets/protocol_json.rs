//! Every wire type of `dvc-protocol` that is read from JSON (requests the server reads, responses
//! and push lines the phone reads): any body that deserialises re-serialises, and that JSON
//! deserialises to the same value and serialises to the same text. The first input byte picks
//! the type, the rest is the body.
#![no_main]

use dvc_protocol::*;
use libfuzzer_sys::fuzz_target;
use serde::{de::DeserializeOwned, Serialize};

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    let Ok(first) = serde_json::from_slice::<T>(body) else {
        return;
    };
    let name = std::any::type_name::<T>();
    let text = match serde_json::to_string(&first) {
        Ok(t) => t,
        Err(e) => panic!("{name}: a value read from JSON does not serialise: {e}\n{first:?}"),
    };
    let second: T = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => panic!("{name}: its own JSON does not read back: {e}\n{text}"),
    };
    assert_eq!(
        first, second,
        "{name}: changed by a JSON round trip: {text}"
    );
    let again = serde_json::to_string(&second).unwrap_or_default();
    assert_eq!(
        text, again,
        "{name}: serialises differently after a round trip"
    );
}

macro_rules! types {
    ($($t:ty,)*) => {
        const ROUND_TRIPS: &[fn(&[u8])] = &[$(round_trip::<$t>,)*];
    };
}

types! {
        agencies::AgencyInfo,
        agencies::AgencyList,
        auth::Role,
        auth::RegistrationRequest,
        auth::OtpSent,
        auth::OtpPurpose,
        auth::RegistrationVerifyRequest,
        auth::OtpResendRequest,
        auth::PasswordResetRequest,
        auth::PasswordResetConfirm,
        auth::PasswordChangeRequest,
        auth::Channel,
        auth::NotificationSettings,
        auth::NotificationSettingsUpdate,
        auth::RegisterRequest,
        auth::RegisterResponse,
        auth::VerifyRequest,
        auth::LoginRequest,
        auth::LoginResponse,
        auth::AccountInfo,
        auth::TokenInfo,
        auth::TokenList,
        auth::ConsentRequest,
        auth::ConsentMethod,
        auth::ConsentInfo,
        auth::ConsentList,
        auth::ConsentOtpRequest,
        auth::ConsentOtpPending,
        auth::ConsentConfirmRequest,
        auth::CreateStaffRequest,
        auth::AdminPasswordSet,
        auth::AccountAuditEntry,
        auth::AccountAudit,
        auth::OutboxStatus,
        auth::OutboxItem,
        auth::OutboxList,
        blobs::MissingBlobsRequest,
        blobs::MissingBlobsResponse,
        blobs::CreateUploadRequest,
        blobs::UploadStatus,
        dossiers::FormValue,
        dossiers::Attachment,
        dossiers::Delivery,
        dossiers::OnBehalfOf,
        dossiers::ConsentBasis,
        dossiers::DossierManifest,
        dossiers::DossierState,
        dossiers::DossierReceipt,
        dossiers::DossierView,
        dossiers::DossierSummary,
        dossiers::DossierList,
        dossiers::SupplementItem,
        dossiers::RevisionInfo,
        dossiers::RevisionReceipt,
        dossiers::PaymentClaimRequest,
        dossiers::RatingRequest,
        dossiers::Rating,
        dossiers::CancelRequest,
        error::ErrorBody,
        events::BankAccount,
        events::ResultDelivery,
        events::EventKind,
        events::Event,
        events::EventsPage,
        handoffs::HandoffOffer,
        handoffs::HandoffState,
        handoffs::HandoffList,
        push::PushHead,
        push::PushBlob,
        push::BlobState,
        push::PushLine,
        visits::Task,
        visits::Period,
        visits::VisitTaskItem,
        visits::VisitUpload,
        visits::VisitSaved,
        visits::VisitReceipt,
        visits::CreateTeamRequest,
        visits::TeamMemberRequest,
        visits::TeamMember,
        visits::Team,
        visits::TeamList,
        visits::Targets,
        visits::CreateCampaignRequest,
        visits::Campaign,
        visits::ReportScope,
        visits::VolunteerLine,
        visits::VisitReport,
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    ROUND_TRIPS[usize::from(pick) % ROUND_TRIPS.len()](body);
});
