//! Commands whose data is bytes rather than JSON: a photo or a file goes to Rust as the raw request
//! body (its other arguments in headers), and a picture or a file comes back as raw bytes, never as
//! a JSON array of numbers.
//!
//! Both wrappers carry their TypeScript shape for the generated bindings: a raw request is typed
//! `never`, so its generated function cannot be called (the UI sends the body with `invokeRaw`,
//! typed by the same bindings), and raw bytes are an `ArrayBuffer`.

use specta::datatype::DataType;
use specta::function::FunctionArg;
use specta::{Type, Types};
use tauri::ipc::{
    CommandArg, CommandItem, InvokeBody, InvokeError, InvokeResponseBody, IpcResponse, Request,
};
use tauri::Runtime;

/// The request of a command that takes the raw body and headers.
pub struct RawRequest<'a>(Request<'a>);

impl RawRequest<'_> {
    pub fn body(&self) -> &InvokeBody {
        self.0.body()
    }

    pub fn headers(&self) -> &tauri::http::HeaderMap {
        self.0.headers()
    }
}

impl<'a, R: Runtime> CommandArg<'a, R> for RawRequest<'a> {
    fn from_command(command: CommandItem<'a, R>) -> Result<Self, InvokeError> {
        Request::from_command(command).map(RawRequest)
    }
}

impl FunctionArg for RawRequest<'_> {
    fn to_datatype(types: &mut Types) -> Option<DataType> {
        Some(specta_typescript::Never::<()>::definition(types))
    }
}

/// Raw bytes for the UI (an `ArrayBuffer` there).
pub struct Bytes(pub Vec<u8>);

impl IpcResponse for Bytes {
    fn body(self) -> tauri::Result<InvokeResponseBody> {
        Ok(InvokeResponseBody::Raw(self.0))
    }
}

impl Type for Bytes {
    fn definition(_: &mut Types) -> DataType {
        DataType::Reference(specta_typescript::define("ArrayBuffer"))
    }
}
