//! Errors of config loading, composition, overrides, resolution and access.
//!
//! Every message is a single line that says what was wrong and what would be right, because
//! the usual reader is someone who just typed a command line: misspelled keys name the
//! closest existing key, unknown options list the available ones, and `+`/`~` misuse names
//! the prefix to use instead. Values quoted in messages go through
//! [`pyfmt::one_line`](crate::pyfmt::one_line) so that multi-line strings cannot break the
//! one-line rule.

use crate::suggest::DidYouMean;

/// Everything that can go wrong between a config directory plus command line and a typed value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// A config file or directory could not be read.
    #[error("Could not read '{path}': {reason}")]
    Io {
        /// File or directory.
        path: String,
        /// Operating-system reason.
        reason: String,
    },

    /// A config file is not valid YAML.
    #[error("Invalid YAML in '{file}' at line {line}, column {column}: {reason}")]
    Yaml {
        /// File (or other source name).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        reason: String,
    },

    /// A config file is valid YAML but not a valid config (e.g. a malformed defaults list).
    #[error("Invalid config '{file}': {reason}")]
    InvalidConfig {
        /// Config path (`algorithm/df_video`) or file.
        file: String,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// A command-line override does not follow the Hydra override grammar.
    #[error(
        "Could not parse override '{input}': {reason} at position {position} (marked: '{marked}').{hint}"
    )]
    OverrideSyntax {
        /// The override as typed.
        input: String,
        /// 0-based character position of the problem.
        position: usize,
        /// The override with `>>>` inserted at the position.
        marked: String,
        /// What was found / expected.
        reason: String,
        /// A leading-space sentence suggesting a fix, or empty.
        hint: String,
    },

    /// A valid override that this implementation (or Hydra's compose API) does not support.
    #[error("Unsupported override '{input}': {reason}")]
    UnsupportedOverride {
        /// The override as typed.
        input: String,
        /// Why, and what to write instead.
        reason: String,
    },

    /// A grammar function in an override (`int(...)`, `sort(...)`) failed, as it does in Hydra.
    #[error("Could not evaluate '{call}' in override '{input}': {reason}")]
    OverrideFunction {
        /// The override as typed.
        input: String,
        /// The function call.
        call: String,
        /// Hydra's reason (Python exception type and message).
        reason: String,
    },

    /// `key=value` for a key that does not exist.
    #[error(
        "Could not override '{key}': no such key.{suggestion} (use '+{key}=...' to add a new key)"
    )]
    UnknownKey {
        /// Dotted key as typed.
        key: String,
        /// Closest existing key.
        suggestion: DidYouMean,
    },

    /// A path goes through a value that is not a map or list.
    #[error(
        "Could not set '{key}': '{parent}' is {actual}, not a mapping (use '++{key}=...' to replace it with a mapping)"
    )]
    NotAContainer {
        /// Dotted key as typed.
        key: String,
        /// The scalar prefix of `key`.
        parent: String,
        /// Type of the scalar.
        actual: String,
    },

    /// `+key=value` for a key that already holds a value.
    #[error(
        "Could not add '+{key}={value}': '{key}' already exists. Use '{key}={value}' to override it (or '++{key}={value}' to add or override)"
    )]
    KeyExists {
        /// Dotted key.
        key: String,
        /// Value text as typed.
        value: String,
    },

    /// `~key` for a key that does not exist.
    #[error("Could not delete '{key}': no such key.{suggestion}")]
    DeleteMissing {
        /// Dotted key.
        key: String,
        /// Closest existing key.
        suggestion: DidYouMean,
    },

    /// `~key=value` where the current value differs.
    #[error(
        "Could not delete '{key}': its value is {actual}, not {expected} (use '~{key}' to delete it whatever its value)"
    )]
    DeleteMismatch {
        /// Dotted key.
        key: String,
        /// Current value (Python repr).
        actual: String,
        /// Value given in the override (Python repr).
        expected: String,
    },

    /// A mapping merged into a list or the reverse.
    #[error("Could not set '{key}': cannot merge {new} into {existing}. {hint}")]
    MergeConflict {
        /// Dotted key.
        key: String,
        /// Type of the current value.
        existing: String,
        /// Type of the incoming value.
        new: String,
        /// How to replace the value instead.
        hint: String,
    },

    /// `group=option` naming an option that has no file.
    #[error(
        "Could not load '{group}/{option}': config group '{group}' has no option '{option}'.{suggestion} {}",
        options_list(available)
    )]
    UnknownOption {
        /// Config group path.
        group: String,
        /// Requested option.
        option: String,
        /// Closest existing option.
        suggestion: DidYouMean,
        /// Comma-separated available options.
        available: String,
    },

    /// `name=value` where `name` is neither a key nor a config group.
    #[error(
        "Could not override '{name}': no such key or config group.{suggestion} Config groups: {groups}"
    )]
    UnknownGroup {
        /// As typed.
        name: String,
        /// Closest group or key.
        suggestion: DidYouMean,
        /// Comma-separated group names.
        groups: String,
    },

    /// `group=option` for a group that is not part of the defaults list.
    #[error(
        "Could not select '{group}={option}': config group '{group}' is not in the defaults list (use '+{group}={option}' to append it)"
    )]
    GroupNotInDefaults {
        /// Config group path.
        group: String,
        /// Requested option.
        option: String,
    },

    /// Two different options selected for the same group.
    #[error(
        "Config group '{group}' is selected twice ('{first}' and '{second}'). To select '{wanted}', use '{group}={wanted}' on the command line (not '+{group}=...'), or 'override {group}: {wanted}' in a defaults list"
    )]
    GroupConflict {
        /// Config group path.
        group: String,
        /// One selection.
        first: String,
        /// The other selection.
        second: String,
        /// The selection the user most likely wants (the command-line one, if any).
        wanted: String,
    },

    /// A group whose default is `???` was not selected.
    #[error(
        "Config group '{group}' needs a selection: add '{group}=<option>' to the command line. {}",
        options_list(available)
    )]
    MissingGroupChoice {
        /// Config group path.
        group: String,
        /// Comma-separated available options.
        available: String,
    },

    /// `~group` for a group that is not in the defaults list.
    #[error("Could not delete config group '{group}': it is not in the defaults list.{suggestion}")]
    GroupDeleteUnused {
        /// Config group path (with `=option` if given).
        group: String,
        /// Closest group in the defaults list.
        suggestion: DidYouMean,
    },

    /// A `hydra.*` value whose type Hydra's structured schema (`HydraConf` in
    /// `hydra/conf/__init__.py`) refuses, from an override or a config file's `hydra:` node.
    #[error(
        "Could not set Hydra setting '{key}' ({origin}): Hydra's schema (HydraConf) refuses it: {reason}"
    )]
    HydraSchema {
        /// Dotted key of the offending value.
        key: String,
        /// `override '...'` or `the 'hydra:' node of '...'`.
        origin: String,
        /// OmegaConf's reason and what the setting takes.
        reason: String,
    },

    /// The composed defaults list is inconsistent.
    #[error("Could not compose the config: {reason}")]
    Composition {
        /// What is inconsistent and how to fix it.
        reason: String,
    },

    /// An interpolation names a key that does not exist.
    #[error(
        "Could not resolve '{interpolation}' at '{key}': key '{target}' does not exist.{suggestion}"
    )]
    InterpolationKeyMissing {
        /// Key holding the interpolation.
        key: String,
        /// The interpolation text.
        interpolation: String,
        /// The absolute key it points to.
        target: String,
        /// Closest existing key.
        suggestion: DidYouMean,
    },

    /// An interpolation points to a `???` value.
    #[error(
        "Could not resolve '{interpolation}' at '{key}': '{target}' is a missing mandatory value '???' (set it with '{target}=...')"
    )]
    InterpolationToMissing {
        /// Key holding the interpolation.
        key: String,
        /// The interpolation text.
        interpolation: String,
        /// The key holding `???`.
        target: String,
    },

    /// Interpolations that refer to each other in a loop.
    #[error("Could not resolve '{key}': interpolation cycle {chain}")]
    InterpolationCycle {
        /// Key where the cycle was detected.
        key: String,
        /// `a -> b -> a`.
        chain: String,
    },

    /// An interpolation that is malformed or uses an unknown resolver.
    #[error("Could not resolve '{interpolation}' at '{key}': {reason}")]
    InterpolationInvalid {
        /// Key holding the interpolation.
        key: String,
        /// The interpolation text.
        interpolation: String,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// `--cfg … --package P` named a package that the printed part lacks, or that is None or
    /// `???` (Hydra's `show_cfg` message).
    #[error("package '{package}' not found in config")]
    PackageNotFound {
        /// The dotted package.
        package: String,
    },

    /// A getter asked for a key that does not exist.
    #[error("Key '{key}' not found.{suggestion}")]
    NotFound {
        /// Dotted key.
        key: String,
        /// Closest existing key.
        suggestion: DidYouMean,
    },

    /// A getter found a value of another type.
    #[error("Key '{key}' should be {expected} but is {actual} {value}{hint}")]
    TypeMismatch {
        /// Dotted key.
        key: String,
        /// Expected type.
        expected: String,
        /// Actual type.
        actual: String,
        /// The value found (Python repr).
        value: String,
        /// A leading-space sentence suggesting a fix, or empty.
        hint: String,
    },

    /// A getter read a `???` value.
    #[error(
        "Key '{key}' is a missing mandatory value '???': set it with '{key}=...' on the command line"
    )]
    MissingValue {
        /// Dotted key.
        key: String,
    },

    /// A malformed dotted key passed to a getter.
    #[error("Invalid key '{key}': {reason}")]
    InvalidKey {
        /// As given.
        key: String,
        /// What is malformed.
        reason: String,
    },
}

/// "Available options: a, b", or a plain statement when the group has none (Hydra prints an
/// empty "Available options in 'g':" list there).
fn options_list(available: &str) -> String {
    if available.trim().is_empty() {
        "The group has no options: add a YAML file to its directory".to_string()
    } else {
        format!("Available options: {available}")
    }
}
