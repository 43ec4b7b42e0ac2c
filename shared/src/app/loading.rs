//! Reading the boundary: the layer's files at start, and a published version when the function
//! follows a new one, each compiled into what that function uses.

use std::sync::Arc;

use super::StartupError;
use crate::config::Function;
use crate::live::BoundaryContent;
use crate::policy::index_path;
use crate::policy::{Knowledge, Policy, PolicyError};

/// Reads `path` and parses it with `parse`, naming the file in either error.
fn parse_file<T>(
    path: &str,
    parse: impl FnOnce(&str) -> Result<T, PolicyError>,
) -> Result<T, StartupError> {
    let source = std::fs::read_to_string(path).map_err(|source| StartupError::Read {
        path: path.to_string(),
        source,
    })?;
    parse(&source).map_err(|source| StartupError::Policy {
        path: path.to_string(),
        source,
    })
}

/// Reads and compiles the policy and knowledge files, with the sentence encoder when there is one
/// (`ENCODER_FILE`, else `encoder/use-m3.bin` beside the knowledge file).
pub fn load_boundary(
    policy_path: &str,
    knowledge_path: &str,
) -> Result<(Policy, Knowledge), StartupError> {
    let knowledge = parse_file(knowledge_path, Knowledge::from_toml)?;
    let knowledge = match encoder_path(knowledge_path) {
        Some(path) => {
            let encoder = crate::encoder::SentenceEncoder::open(&path)?;
            knowledge.with_encoder(Arc::new(encoder), Some(index_path(knowledge_path)))
        }
        None => {
            tracing::info!("no sentence encoder (ENCODER_FILE, or encoder/use-m3.bin beside the knowledge file): answers are chosen by words alone");
            knowledge
        }
    };
    Ok((parse_file(policy_path, Policy::from_toml)?, knowledge))
}

/// The encoder to load: `ENCODER_FILE` when set (an error at start if it cannot be read), else
/// the layer's `encoder/use-m3.bin` beside the knowledge file if it is there.
pub fn encoder_path(knowledge_path: &str) -> Option<std::path::PathBuf> {
    if let Some(p) = crate::config::early::encoder_file() {
        return Some(p);
    }
    let beside = std::path::Path::new(knowledge_path)
        .parent()?
        .join("encoder/use-m3.bin");
    beside.is_file().then_some(beside)
}

/// What of the boundary a function reads, and nothing more: parsing it is most of a cold start.
/// Ingest only stores (the retention); the escalate function reminds and resumes, and the resume
/// page lists the entries, neither deciding (the policy without its triggers); only the policy
/// function compiles everything, with the encoder.
fn compile_for(
    function: Function,
    (policy, policy_name): (&str, &str),
    (knowledge, knowledge_name): (&str, &str),
    encoder: Option<&std::path::Path>,
    index: Option<std::path::PathBuf>,
) -> Result<(Policy, Knowledge), StartupError> {
    let named = |name: &str| {
        let path = name.to_string();
        move |source| StartupError::Policy {
            path: path.clone(),
            source,
        }
    };
    match function {
        Function::Ingest => {
            let retention = Policy::retention_from_toml(policy).map_err(named(policy_name))?;
            Ok((Policy::storing_only(retention), Knowledge::index(vec![])))
        }
        Function::Escalate => Ok((
            Policy::for_notices_from_toml(policy).map_err(named(policy_name))?,
            Knowledge::index(vec![]),
        )),
        Function::Resume => Ok((
            Policy::for_notices_from_toml(policy).map_err(named(policy_name))?,
            Knowledge::from_toml(knowledge).map_err(named(knowledge_name))?,
        )),
        Function::Policy | Function::Local => {
            let mut k = Knowledge::from_toml(knowledge).map_err(named(knowledge_name))?;
            if let Some(path) = encoder {
                let encoder = crate::encoder::SentenceEncoder::open(path)?;
                k = k.with_encoder(Arc::new(encoder), index);
            }
            Ok((Policy::from_toml(policy).map_err(named(policy_name))?, k))
        }
    }
}

fn read_file(path: &str) -> Result<String, StartupError> {
    std::fs::read_to_string(path).map_err(|source| StartupError::Read {
        path: path.to_string(),
        source,
    })
}

/// The layer's files, compiled for `function` (file errors name the file).
pub(super) fn load_boundary_for(
    function: Function,
    policy_file: &str,
    knowledge_file: &str,
) -> Result<(Policy, Knowledge), StartupError> {
    let policy = read_file(policy_file)?;
    let knowledge = match function {
        Function::Ingest | Function::Escalate => String::new(),
        _ => read_file(knowledge_file)?,
    };
    let encoder = match function {
        Function::Policy | Function::Local => encoder_path(knowledge_file),
        _ => None,
    };
    if encoder.is_none() && matches!(function, Function::Policy | Function::Local) {
        tracing::info!("no sentence encoder (ENCODER_FILE, or encoder/use-m3.bin beside the knowledge file): answers are chosen by words alone");
    }
    compile_for(
        function,
        (&policy, policy_file),
        (&knowledge, knowledge_file),
        encoder.as_deref(),
        Some(index_path(knowledge_file)),
    )
}

/// How the policy function compiles a version (the encoder found beside `knowledge_file`), for
/// the review page's before → after.
pub fn deciding_compiler(knowledge_file: &str) -> crate::live::Compile {
    version_compiler(Function::Policy, knowledge_file)
}

/// How a function compiles a published version: as it compiles the layer, with the version's
/// index written once to the temporary directory (the engine maps it from a file).
pub(super) fn version_compiler(function: Function, knowledge_file: &str) -> crate::live::Compile {
    let encoder = match function {
        Function::Policy | Function::Local => encoder_path(knowledge_file),
        _ => None,
    };
    Arc::new(move |content: BoundaryContent, digest: &str| {
        let index = match (&encoder, &content.index) {
            (Some(_), Some(bytes)) => {
                let dir = std::env::temp_dir().join("handoff-boundary");
                let path = dir.join(format!("{digest}.index"));
                if !path.is_file() {
                    let tmp = dir.join(format!("{digest}.{}.tmp", std::process::id()));
                    std::fs::create_dir_all(&dir)
                        .and_then(|_| std::fs::write(&tmp, bytes))
                        .and_then(|_| std::fs::rename(&tmp, &path))
                        .map_err(|e| format!("writing the index to {}: {e}", dir.display()))?;
                }
                Some(path)
            }
            _ => None,
        };
        compile_for(
            function,
            (&content.policy, "the policy file"),
            (&content.knowledge, "the knowledge file"),
            encoder.as_deref(),
            index,
        )
        .map_err(|e| e.to_string())
    })
}
