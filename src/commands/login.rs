//! `mmops login`: username, password and MFA code in, a session token stored for the profile.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::eyre::{WrapErr, bail, eyre};

use crate::cli::LoginArgs;
use crate::config::credentials::store_session;
use crate::config::{ConnectionSpec, Resolved, Target, TokenSource};
use crate::mm::{ApiError, ClientOptions, MmClient};
use crate::secret::Secret;

pub fn run(resolved: Resolved, args: LoginArgs) -> color_eyre::Result<ExitCode> {
    let Some(connection) = &resolved.connection else {
        bail!(
            "no server to log in to: give --url https://chat.example.com or a profile with a url"
        );
    };
    let url = match &connection.target {
        Target::Remote { url } => url.clone(),
        Target::Local { .. } => {
            bail!("local mode needs no login: every request over the socket is trusted")
        }
    };
    // Log in without any token we may already hold for this server.
    let anonymous = ConnectionSpec {
        token: None,
        token_source: TokenSource::None,
        ..connection.clone()
    };
    let client = MmClient::new(&anonymous, ClientOptions::default())?;

    let username = match args.username {
        Some(name) => name,
        None => prompt_line("Username or email: ")?,
    };
    let password = match &args.password_file {
        Some(path) => Secret::new(
            std::fs::read_to_string(path)
                .wrap_err_with(|| format!("cannot read the password file {}", path.display()))?
                .trim_end_matches(['\n', '\r']),
        ),
        None => prompt_secret("Password: ")?,
    };
    if password.is_empty() {
        bail!("the password is empty");
    }

    let runtime = super::runtime()?;
    let mut mfa = args.mfa_code.clone();
    let (user, token) = loop {
        match runtime.block_on(client.login(&username, &password, mfa.as_deref())) {
            Ok(result) => break result,
            Err(ApiError::MfaCodeNeeded { .. }) if mfa.is_none() => {
                mfa = Some(prompt_line("MFA code: ")?);
            }
            Err(ApiError::MfaCodeNeeded { .. }) => bail!("the MFA code was not accepted"),
            Err(err) => return Err(eyre!(err).wrap_err("login failed")),
        }
    };
    let path = store_session(
        &resolved.paths,
        resolved.profile.as_deref(),
        url.as_str(),
        &user.username,
        &token,
    )
    .wrap_err("cannot store the session")?;
    println!(
        "Logged in to {} as {}. Session stored in {} (readable only by you).",
        url.as_str().trim_end_matches('/'),
        crate::text::one_line(&user.username, 64),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn prompt_line(prompt: &str) -> color_eyre::Result<String> {
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_string();
    if line.is_empty() {
        bail!("no answer given");
    }
    Ok(line)
}

/// Reads a password without echo from the terminal, or a line from stdin when it is a pipe.
fn prompt_secret(prompt: &str) -> color_eyre::Result<Secret> {
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(prompt).wrap_err("cannot read the password")?;
        return Ok(Secret::new(value));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Secret::new(line.trim_end_matches(['\n', '\r'])))
}
