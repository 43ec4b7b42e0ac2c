//! Small helpers over Function URL requests and responses.

use aws_lambda_events::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlRequestContext,
    LambdaFunctionUrlRequestContextHttpDescription, LambdaFunctionUrlResponse,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};

/// The request method, upper-case.
pub fn method(req: &LambdaFunctionUrlRequest) -> String {
    req.request_context
        .http
        .method
        .clone()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

pub fn path(req: &LambdaFunctionUrlRequest) -> &str {
    req.raw_path
        .as_deref()
        .or(req.request_context.http.path.as_deref())
        .unwrap_or("/")
}

pub fn header<'a>(req: &'a LambdaFunctionUrlRequest, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// One query parameter, decoded.
pub fn query(req: &LambdaFunctionUrlRequest, name: &str) -> Option<String> {
    if let Some(raw) = req.raw_query_string.as_deref() {
        return form_urlencoded::parse(raw.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned());
    }
    req.query_string_parameters.get(name).cloned()
}

/// The body's exact bytes (Function URLs base64-encode non-text bodies).
pub fn body_bytes(req: &LambdaFunctionUrlRequest) -> Result<Vec<u8>, base64::DecodeError> {
    match &req.body {
        None => Ok(Vec::new()),
        Some(b) if req.is_base64_encoded => STANDARD.decode(b),
        Some(b) => Ok(b.as_bytes().to_vec()),
    }
}

/// Builds a Function URL request; used by the dev server and tests.
pub fn request(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
) -> LambdaFunctionUrlRequest {
    let mut http = LambdaFunctionUrlRequestContextHttpDescription::default();
    http.method = Some(method.to_string());
    http.path = Some(raw_path.to_string());
    let mut ctx = LambdaFunctionUrlRequestContext::default();
    ctx.http = http;
    let mut req = LambdaFunctionUrlRequest::default();
    req.raw_path = Some(raw_path.to_string());
    req.raw_query_string = Some(raw_query.to_string());
    req.headers = headers;
    req.request_context = ctx;
    if let Some(body) = body {
        match String::from_utf8(body) {
            Ok(text) => req.body = Some(text),
            Err(e) => {
                req.body = Some(STANDARD.encode(e.into_bytes()));
                req.is_base64_encoded = true;
            }
        }
    }
    req
}

/// A response with a body and content type.
pub fn text_response(
    status: u16,
    content_type: &str,
    body: impl Into<String>,
) -> LambdaFunctionUrlResponse {
    let mut r = LambdaFunctionUrlResponse::default();
    r.status_code = status.into();
    r.headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("text/plain")),
    );
    r.body = Some(body.into());
    r
}

pub fn with_header(
    mut r: LambdaFunctionUrlResponse,
    name: &'static str,
    value: &'static str,
) -> LambdaFunctionUrlResponse {
    r.headers.insert(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    );
    r
}
