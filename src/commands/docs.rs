//! Documentation generated from the program itself: shell completions and man pages from the
//! clap definition, the keymap from the key tables. Nothing here reads the configuration, so
//! it works on a machine where mmops is not set up yet.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use color_eyre::eyre::WrapErr;
use roff::{Roff, bold, roman};

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::tui::keys::Keymap;

pub fn completions(args: &CompletionsArgs) -> color_eyre::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mmops", &mut out);
    super::emit(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

pub fn keymap() -> color_eyre::Result<ExitCode> {
    super::emit(&Keymap::default().to_documented_toml())?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(args: &ManArgs) -> color_eyre::Result<ExitCode> {
    match &args.dir {
        None => {
            super::emit(&String::from_utf8_lossy(&main_page()?))?;
        }
        Some(dir) => {
            write_pages(dir)
                .wrap_err_with(|| format!("cannot write man pages into {}", dir.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// mmops(1): clap's sections, then what clap cannot know: keys, environment, files, exit codes.
pub fn main_page() -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(Cli::command().disable_help_subcommand(true));
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    man.render_subcommands_section(&mut out)?;
    extra_sections().to_writer(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(out)
}

/// mmops.1 with the extra sections, and clap's page for every subcommand.
fn write_pages(dir: &Path) -> std::io::Result<()> {
    let mut command = Cli::command();
    command.build();
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::generate_to(sub.clone(), dir)?;
    }
    let path = dir.join("mmops.1");
    let mut file = std::fs::File::create(&path)?;
    file.write_all(&main_page()?)?;
    file.sync_all()
}

fn extra_sections() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["KEYS"]);
    roff.text([roman(
        "In the console, ? shows every key of the view. The defaults, which ~/.config/mmops/keymap.toml \
         can change (mmops keymap prints a complete one):",
    )]);
    let keymap = Keymap::default();
    let mut last_scope = None;
    for (scope, binding) in keymap.describe() {
        if last_scope != Some(scope) {
            roff.control("SS", [scope.title()]);
            last_scope = Some(scope);
        }
        let keys: Vec<String> = binding.keys.iter().map(|k| k.to_string()).collect();
        roff.control("TP", []);
        roff.text([bold(keys.join(", "))]);
        roff.text([roman(format!(
            "{} ({})",
            binding.description,
            binding.action.name()
        ))]);
    }

    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*meaning)]);
    }

    roff.control("SH", ["FILES"]);
    for (name, meaning) in FILES {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*meaning)]);
    }

    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in [
        ("0", "Success."),
        (
            "1",
            "A failure: the server could not be read, an invitation was refused, a source of a sync failed.",
        ),
        (
            "2",
            "Bad usage or configuration: an unknown option value, a broken config, keymap or theme file.",
        ),
    ] {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }

    roff.control("SH", ["SECURITY"]);
    roff.text([roman(
        "Tokens are never taken as arguments, never printed, and never written to mmops' log, \
         its ledger or a support packet. Every config shown or packed goes through one sanitizer; \
         invitation tokens are stored only as short fingerprints. Text from the server is made \
         inert (escape sequences, control and bidi characters) before it reaches the terminal.",
    )]);
    roff
}

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "MMOPS_TOKEN",
        "A personal access token or session token for the server.",
    ),
    ("MMOPS_PROFILE", "The profile of config.toml to use."),
    (
        "MMOPS_DB_URL",
        "Read-only PostgreSQL URL of the Mattermost database, for the invitation audit.",
    ),
    (
        "MMOPS_CONFIG",
        "The config file (default ~/.config/mmops/config.toml).",
    ),
    (
        "MMOPS_CONFIG_DIR, MMOPS_DATA_DIR, MMOPS_STATE_DIR",
        "Move the config, data (ledgers, snapshots) and state (log) directories.",
    ),
    (
        "MMOPS_LOG",
        "Level of mmops' own log: error, warn, info (default), debug, trace.",
    ),
    (
        "MMCTL_LOCAL_SOCKET_PATH",
        "The local-mode socket, as for mmctl (default /var/tmp/mattermost_local.socket).",
    ),
    (
        "NO_COLOR",
        "Drop colours; selection and alarms stay visible through reverse video and bold.",
    ),
];

const FILES: &[(&str, &str)] = &[
    ("~/.config/mmops/config.toml", "Profiles and UI settings."),
    ("~/.config/mmops/keymap.toml", "Key overrides."),
    (
        "~/.config/mmops/themes/NAME.toml",
        "User themes (--theme NAME).",
    ),
    (
        "~/.config/mmops/sessions/",
        "Login sessions from mmops login (mode 0600).",
    ),
    (
        "~/.config/mmctl/config",
        "mmctl's stored credentials, used when nothing else gives a server.",
    ),
    (
        "~/.local/share/mmops/",
        "The invitation ledgers (one SQLite file per server, mode 0600) and config snapshots.",
    ),
    ("~/.local/state/mmops/mmops.log", "mmops' own log."),
    (
        "/opt/mattermost",
        "The default install directory read for config/config.json and logs/ (--mm-home).",
    ),
];
