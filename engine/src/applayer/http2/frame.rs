//! HTTP/2 frames (RFC 9113 section 4 and 6): the 9-byte header and the
//! payload layouts the parser needs (padding, priority, settings,
//! RST_STREAM / GOAWAY error codes).

/// Bytes of a frame header.
pub const HEADER_LEN: usize = 9;

/// The client connection preface (RFC 9113 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Frame types the parser acts on.
pub mod kind {
    /// DATA.
    pub const DATA: u8 = 0;
    /// HEADERS.
    pub const HEADERS: u8 = 1;
    /// PRIORITY.
    pub const PRIORITY: u8 = 2;
    /// RST_STREAM.
    pub const RST_STREAM: u8 = 3;
    /// SETTINGS.
    pub const SETTINGS: u8 = 4;
    /// PUSH_PROMISE.
    pub const PUSH_PROMISE: u8 = 5;
    /// PING.
    pub const PING: u8 = 6;
    /// GOAWAY.
    pub const GOAWAY: u8 = 7;
    /// WINDOW_UPDATE.
    pub const WINDOW_UPDATE: u8 = 8;
    /// CONTINUATION.
    pub const CONTINUATION: u8 = 9;
}

/// Frame flags.
pub mod flag {
    /// END_STREAM (DATA, HEADERS); ACK on SETTINGS and PING.
    pub const END_STREAM: u8 = 0x1;
    /// END_HEADERS (HEADERS, PUSH_PROMISE, CONTINUATION).
    pub const END_HEADERS: u8 = 0x4;
    /// PADDED (DATA, HEADERS, PUSH_PROMISE).
    pub const PADDED: u8 = 0x8;
    /// PRIORITY (HEADERS).
    pub const PRIORITY: u8 = 0x20;
}

/// A frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length.
    pub length: u32,
    /// Type.
    pub kind: u8,
    /// Flags.
    pub flags: u8,
    /// The reserved bit was set.
    pub reserved: bool,
    /// Stream identifier.
    pub stream: u32,
}

impl FrameHeader {
    /// Parses the first [`HEADER_LEN`] bytes of `data` (None when shorter).
    pub fn parse(data: &[u8]) -> Option<FrameHeader> {
        let h: &[u8; HEADER_LEN] = data.get(..HEADER_LEN)?.try_into().ok()?;
        let sid = u32::from_be_bytes([h[5], h[6], h[7], h[8]]);
        Some(FrameHeader {
            length: u32::from_be_bytes([0, h[0], h[1], h[2]]),
            kind: h[3],
            flags: h[4],
            reserved: sid & 0x8000_0000 != 0,
            stream: sid & 0x7fff_ffff,
        })
    }

    /// Whether `f` is set.
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
}

/// A payload layout that does not add up (RFC 9113 says PROTOCOL_ERROR
/// or FRAME_SIZE_ERROR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The padding length leaves no room for the content.
    #[error("padding exceeds the frame")]
    Padding,
    /// Too short for its fixed fields.
    #[error("frame too short")]
    Short,
    /// SETTINGS payload not a multiple of 6.
    #[error("settings length not a multiple of 6")]
    SettingsLength,
}

/// The header block fragment of a HEADERS frame, without padding and
/// priority fields.
pub fn headers_fragment<'a>(h: &FrameHeader, payload: &'a [u8]) -> Result<&'a [u8], FrameError> {
    let p = unpad(h, payload)?;
    if h.has(flag::PRIORITY) {
        p.get(5..).ok_or(FrameError::Short)
    } else {
        Ok(p)
    }
}

/// The promised stream and header block fragment of a PUSH_PROMISE.
pub fn push_promise<'a>(h: &FrameHeader, payload: &'a [u8]) -> Result<(u32, &'a [u8]), FrameError> {
    let p = unpad(h, payload)?;
    let id: [u8; 4] = p
        .get(..4)
        .ok_or(FrameError::Short)?
        .try_into()
        .map_err(|_| FrameError::Short)?;
    Ok((
        u32::from_be_bytes(id) & 0x7fff_ffff,
        p.get(4..).unwrap_or(&[]),
    ))
}

/// The content of a padded frame (DATA, HEADERS, PUSH_PROMISE).
pub fn unpad<'a>(h: &FrameHeader, payload: &'a [u8]) -> Result<&'a [u8], FrameError> {
    if !h.has(flag::PADDED) {
        return Ok(payload);
    }
    let (&pad, rest) = payload.split_first().ok_or(FrameError::Short)?;
    let end = rest
        .len()
        .checked_sub(usize::from(pad))
        .ok_or(FrameError::Padding)?;
    rest.get(..end).ok_or(FrameError::Padding)
}

/// The `(identifier, value)` pairs of a SETTINGS payload.
pub fn settings(payload: &[u8]) -> Result<Vec<(u16, u32)>, FrameError> {
    if payload.len() % 6 != 0 {
        return Err(FrameError::SettingsLength);
    }
    Ok(payload
        .chunks_exact(6)
        .map(|c| {
            (
                u16::from_be_bytes([c[0], c[1]]),
                u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
            )
        })
        .collect())
}

/// The error code of a RST_STREAM (first 4 bytes) payload.
pub fn rst_error(payload: &[u8]) -> Result<u32, FrameError> {
    let b: [u8; 4] = payload
        .get(..4)
        .ok_or(FrameError::Short)?
        .try_into()
        .map_err(|_| FrameError::Short)?;
    Ok(u32::from_be_bytes(b))
}

/// The name Suricata's EVE gives an error code.
pub fn error_name(code: u32) -> String {
    let known = [
        "NoError",
        "ProtocolError",
        "InternalError",
        "FlowControlError",
        "SettingsTimeout",
        "StreamClosed",
        "FrameSizeError",
        "RefusedStream",
        "Cancel",
        "CompressionError",
        "ConnectError",
        "EnhanceYourCalm",
        "InadequateSecurity",
        "Http11Required",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| known.get(i))
        .map_or_else(|| code.to_string(), |s| s.to_string())
}

/// The name Suricata's EVE gives a settings identifier.
pub fn setting_name(id: u16) -> String {
    match id {
        1 => "SETTINGSHEADERTABLESIZE".into(),
        2 => "SETTINGSENABLEPUSH".into(),
        3 => "SETTINGSMAXCONCURRENTSTREAMS".into(),
        4 => "SETTINGSINITIALWINDOWSIZE".into(),
        5 => "SETTINGSMAXFRAMESIZE".into(),
        6 => "SETTINGSMAXHEADERLISTSIZE".into(),
        8 => "SETTINGSENABLECONNECTPROTOCOL".into(),
        9 => "SETTINGSNORFC7540PRIORITIES".into(),
        _ => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers() {
        let h = FrameHeader::parse(&[0, 0, 0x12, 4, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(
            (h.length, h.kind, h.flags, h.stream),
            (18, kind::SETTINGS, 0, 0)
        );
        let h = FrameHeader::parse(&[0, 0x01, 0xbb, 1, 0x04, 0x80, 0, 0, 1]).unwrap();
        assert_eq!(
            (h.length, h.kind, h.stream, h.reserved),
            (443, kind::HEADERS, 1, true)
        );
        assert!(h.has(flag::END_HEADERS) && !h.has(flag::END_STREAM));
        assert_eq!(FrameHeader::parse(&[0; 8]), None);
    }

    #[test]
    fn padding_and_priority_are_removed() {
        let h =
            FrameHeader::parse(&[0, 0, 10, 1, flag::PADDED | flag::PRIORITY, 0, 0, 0, 1]).unwrap();
        let payload = [2, 0, 0, 0, 3, 16, 0x82, 0x84, 0, 0];
        assert_eq!(headers_fragment(&h, &payload), Ok(&[0x82, 0x84][..]));
        assert_eq!(headers_fragment(&h, &[9, 1, 2]), Err(FrameError::Padding));
        assert_eq!(headers_fragment(&h, &[0, 1, 2]), Err(FrameError::Short));
        assert_eq!(unpad(&h, &[]), Err(FrameError::Short));
        let pp = FrameHeader::parse(&[0, 0, 6, 5, flag::END_HEADERS, 0, 0, 0, 1]).unwrap();
        assert_eq!(
            push_promise(&pp, &[0, 0, 0, 2, 0x82, 0x84]),
            Ok((2, &[0x82, 0x84][..]))
        );
        assert_eq!(push_promise(&pp, &[0, 0]), Err(FrameError::Short));
    }

    #[test]
    fn settings_and_errors() {
        assert_eq!(
            settings(&[0, 3, 0, 0, 0, 100, 0, 4, 0, 1, 0, 0]),
            Ok(vec![(3, 100), (4, 65536)])
        );
        assert_eq!(settings(&[0, 3, 0]), Err(FrameError::SettingsLength));
        assert_eq!(rst_error(&[0, 0, 0, 8]), Ok(8));
        assert_eq!(rst_error(&[0]), Err(FrameError::Short));
        assert_eq!(error_name(0), "NoError");
        assert_eq!(error_name(8), "Cancel");
        assert_eq!(error_name(99), "99");
        assert_eq!(setting_name(3), "SETTINGSMAXCONCURRENTSTREAMS");
    }
}
