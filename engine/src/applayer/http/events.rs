//! HTTP anomaly events with Suricata's names (`app-layer-event:http.<name>`
//! and the `anomaly` EVE record). Only conditions Suricata reports under a
//! name are represented: libhtp warnings Suricata has no name for are not
//! raised, so the anomaly log stays as quiet as Suricata's.

/// An HTTP anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Request header line without a colon.
    RequestFieldMissingColon,
    /// Response header line without a colon.
    ResponseFieldMissingColon,
    /// Unparsable request chunk length.
    InvalidRequestChunkLen,
    /// Unparsable response chunk length.
    InvalidResponseChunkLen,
    /// Chunk extension in a request.
    RequestChunkExtension,
    /// Chunk extension in a response.
    ResponseChunkExtension,
    /// More request headers than allowed.
    RequestTooManyHeaders,
    /// More response headers than allowed.
    ResponseTooManyHeaders,
    /// Request Transfer-Encoding without `chunked`.
    InvalidTransferEncodingValueInRequest,
    /// Unparsable request Content-Length.
    InvalidContentLengthFieldInRequest,
    /// Unparsable response Content-Length.
    InvalidContentLengthFieldInResponse,
    /// Conflicting request Content-Length headers.
    DuplicateContentLengthFieldInRequest,
    /// Conflicting response Content-Length headers.
    DuplicateContentLengthFieldInResponse,
    /// A second `100 Continue`.
    ContinueAlreadySeen,
    /// A response with no request to pair it with.
    UnableToMatchResponseToRequest,
    /// Request header name that is not a token.
    RequestHeaderInvalid,
    /// HTTP/1.1 request without Host.
    MissingHostHeader,
    /// Host in the URI and in the header disagree.
    HostHeaderAmbiguous,
    /// Request header line starting with whitespace.
    InvalidRequestFieldFolding,
    /// Response header line starting with whitespace.
    InvalidResponseFieldFolding,
    /// A request line or header longer than the buffering limit.
    RequestFieldTooLong,
    /// A response line or header longer than the buffering limit.
    ResponseFieldTooLong,
    /// Invalid host in the request URI.
    RequestUriHostInvalid,
    /// Invalid Host header.
    RequestHeaderHostInvalid,
    /// Method followed by something other than one space.
    MethodDelimNonCompliant,
    /// URI with non-space whitespace.
    UriDelimNonCompliant,
    /// Whitespace before the request method.
    RequestLineLeadingWhitespace,
    /// More Content-Encoding layers than allowed.
    TooManyEncodingLayers,
    /// Unusual or unknown Content-Encoding name.
    AbnormalCeHeader,
    /// Unknown Authorization scheme.
    RequestAuthUnrecognized,
    /// A request header seen twice.
    RequestHeaderRepetition,
    /// A response header seen twice.
    ResponseHeaderRepetition,
    /// `multipart/byteranges` response without length.
    ResponseMultipartByteranges,
    /// Transfer-Encoding that is not exactly `chunked`.
    ResponseAbnormalTransferEncoding,
    /// Chunked response to an HTTP/1.0 or 0.9 request.
    ResponseChunkedOldProto,
    /// The response started before the request line was complete.
    RequestLineIncomplete,
    /// Data after a request that cannot be its body.
    RequestBodyUnexpected,
    /// Decompression stopped by the bomb limits.
    CompressionBomb,
    /// Request line without protocol but followed by headers.
    RequestLineMissingProtocol,
    /// `101` + `Upgrade: h2c` while the flow was still changing protocol
    /// (its parser is the one a STARTTLS change found): no second change.
    FailedProtocolChange,
}

impl Event {
    /// Suricata's event name (without the `http.` prefix).
    pub fn name(self) -> &'static str {
        match self {
            Event::RequestFieldMissingColon => "request_field_missing_colon",
            Event::ResponseFieldMissingColon => "response_field_missing_colon",
            Event::InvalidRequestChunkLen => "invalid_request_chunk_len",
            Event::InvalidResponseChunkLen => "invalid_response_chunk_len",
            Event::RequestChunkExtension => "request_chunk_extension",
            Event::ResponseChunkExtension => "response_chunk_extension",
            Event::RequestTooManyHeaders => "request_too_many_headers",
            Event::ResponseTooManyHeaders => "response_too_many_headers",
            Event::InvalidTransferEncodingValueInRequest => {
                "invalid_transfer_encoding_value_in_request"
            }
            Event::InvalidContentLengthFieldInRequest => "invalid_content_length_field_in_request",
            Event::InvalidContentLengthFieldInResponse => {
                "invalid_content_length_field_in_response"
            }
            Event::DuplicateContentLengthFieldInRequest => {
                "duplicate_content_length_field_in_request"
            }
            Event::DuplicateContentLengthFieldInResponse => {
                "duplicate_content_length_field_in_response"
            }
            Event::ContinueAlreadySeen => "100_continue_already_seen",
            Event::UnableToMatchResponseToRequest => "unable_to_match_response_to_request",
            Event::RequestHeaderInvalid => "request_header_invalid",
            Event::MissingHostHeader => "missing_host_header",
            Event::HostHeaderAmbiguous => "host_header_ambiguous",
            Event::InvalidRequestFieldFolding => "invalid_request_field_folding",
            Event::InvalidResponseFieldFolding => "invalid_response_field_folding",
            Event::RequestFieldTooLong => "request_field_too_long",
            Event::ResponseFieldTooLong => "response_field_too_long",
            Event::RequestUriHostInvalid => "request_uri_host_invalid",
            Event::RequestHeaderHostInvalid => "request_header_host_invalid",
            Event::MethodDelimNonCompliant => "method_delim_non_compliant",
            Event::UriDelimNonCompliant => "uri_delim_non_compliant",
            Event::RequestLineLeadingWhitespace => "request_line_leading_whitespace",
            Event::TooManyEncodingLayers => "too_many_encoding_layers",
            Event::AbnormalCeHeader => "abnormal_ce_header",
            Event::RequestAuthUnrecognized => "request_auth_unrecognized",
            Event::RequestHeaderRepetition => "request_header_repetition",
            Event::ResponseHeaderRepetition => "response_header_repetition",
            Event::ResponseMultipartByteranges => "response_multipart_byteranges",
            Event::ResponseAbnormalTransferEncoding => "response_abnormal_transfer_encoding",
            Event::ResponseChunkedOldProto => "response_chunked_old_proto",
            Event::RequestLineIncomplete => "request_line_incomplete",
            Event::RequestBodyUnexpected => "request_body_unexpected",
            Event::CompressionBomb => "compression_bomb",
            Event::RequestLineMissingProtocol => "request_line_missing_protocol",
            Event::FailedProtocolChange => "failed_protocol_change",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_suricata_rules() {
        assert_eq!(
            Event::ContinueAlreadySeen.name(),
            "100_continue_already_seen"
        );
        assert_eq!(
            Event::RequestHeaderHostInvalid.name(),
            "request_header_host_invalid"
        );
        assert_eq!(
            Event::RequestChunkExtension.name(),
            "request_chunk_extension"
        );
    }
}
