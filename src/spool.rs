//! Spooling a request body to a temporary file under a size limit and a deadline, so that an
//! upload of any size (an admin list or bundle push) costs a small buffer in memory while it
//! arrives. The file is removed when the spool is dropped, on every path.

use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::io::AsyncWriteExt;

use crate::proxy::body::BoxError;

/// Why a body could not be spooled. The temporary file is gone in every case.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// More than the limit (declared or sent).
    #[error("body over {0} bytes")]
    TooLarge(usize),
    /// The client stopped sending or the stream failed.
    #[error("body could not be read")]
    Broken(#[source] BoxError),
    /// The deadline passed.
    #[error("body not received in time")]
    TimedOut,
    /// The temporary file could not be created or written.
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
}

/// A spooled body: a temporary file, rewound, removed when dropped.
#[derive(Debug)]
pub struct Spooled {
    file: tempfile::NamedTempFile,
    len: u64,
}

impl Spooled {
    /// Bytes spooled.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was spooled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file, positioned at its start; still removed when `self` is dropped.
    pub fn reader(&self) -> std::io::Result<std::fs::File> {
        let mut f = self.file.reopen()?;
        f.seek(SeekFrom::Start(0))?;
        Ok(f)
    }

    /// Reads the whole body into memory.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn to_vec(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        std::io::Read::read_to_end(&mut self.reader()?, &mut out)?;
        Ok(out)
    }
}

/// Writes `body` to a new temporary file in `dir` (the system's temporary directory when
/// `None`), refusing more than `limit` bytes (a declared length over it before any file is
/// made) and giving up at `deadline`.
///
/// # Errors
/// [`SpoolError`]; the temporary file is removed.
pub async fn spool<B>(
    body: B,
    dir: Option<&Path>,
    limit: usize,
    deadline: Duration,
) -> Result<Spooled, SpoolError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(SpoolError::TooLarge(limit));
    }
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix(".searchward-upload-");
        b
    };
    let file = match dir {
        Some(d) => builder.tempfile_in(d)?,
        None => builder.tempfile()?,
    };
    let writer = tokio::fs::File::from_std(file.reopen()?);
    let len = tokio::time::timeout(deadline, copy(body, writer, limit))
        .await
        .map_err(|_| SpoolError::TimedOut)??;
    Ok(Spooled { file, len })
}

async fn copy<B>(mut body: B, file: tokio::fs::File, limit: usize) -> Result<u64, SpoolError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let mut out = tokio::io::BufWriter::with_capacity(64 * 1024, file);
    let mut len = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| SpoolError::Broken(e.into()))?;
        if let Ok(data) = frame.into_data() {
            len += data.len() as u64;
            if len > limit as u64 {
                return Err(SpoolError::TooLarge(limit));
            }
            out.write_all(&data).await?;
        }
    }
    out.flush().await?;
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, StreamBody};
    use hyper::body::Frame;

    fn files(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    /// `n` chunks of `size` bytes with no declared length.
    fn chunked(
        n: usize,
        size: usize,
    ) -> impl hyper::body::Body<Data = Bytes, Error = BoxError> + Unpin {
        let frames: Vec<Result<Frame<Bytes>, BoxError>> = (0..n)
            .map(|i| Ok(Frame::data(Bytes::from(vec![b'a' + (i % 26) as u8; size]))))
            .collect();
        StreamBody::new(futures_util::stream::iter(frames))
    }

    #[tokio::test]
    async fn spools_reads_back_and_removes_the_file_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let s = spool(
            chunked(3, 1000),
            Some(dir.path()),
            4000,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        assert_eq!(s.len(), 3000);
        let back = s.to_vec().unwrap();
        assert_eq!(&back[..1000], &[b'a'; 1000][..]);
        assert_eq!(&back[2000..], &[b'c'; 1000][..]);
        assert_eq!(files(dir.path()), 1);
        drop(s);
        assert_eq!(files(dir.path()), 0, "removed when dropped");
    }

    #[tokio::test]
    async fn over_the_limit_is_refused_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let sent = spool(
            chunked(5, 1000),
            Some(dir.path()),
            4000,
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(sent, Err(SpoolError::TooLarge(4000))));
        assert_eq!(files(dir.path()), 0, "removed after sending too much");
        let declared = spool(
            Full::new(Bytes::from(vec![0u8; 5000])),
            Some(dir.path()),
            4000,
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(declared, Err(SpoolError::TooLarge(4000))));
        assert_eq!(files(dir.path()), 0, "never made for a declared length");
    }
}
