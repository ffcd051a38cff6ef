//! Users and teams.

use serde::{Deserialize, Serialize};

use super::lenient;

/// A user as `GET /api/v4/users/*` returns it; only the fields mmops uses.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct User {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub username: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub email: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub first_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub roles: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub auth_service: String,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub create_at: i64,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub update_at: i64,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub delete_at: i64,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub is_bot: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub email_verified: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub mfa_active: bool,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub last_login: Option<i64>,
}

impl User {
    pub fn is_system_admin(&self) -> bool {
        self.roles.split_whitespace().any(|r| r == "system_admin")
    }
}

/// The body of `POST /api/v4/users/login`.
#[derive(Debug, Serialize)]
pub struct LoginRequest<'a> {
    pub login_id: &'a str,
    pub password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<&'a str>,
}

/// A team (`GET /api/v4/teams`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Team {
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub display_name: String,
    #[serde(default, rename = "type", deserialize_with = "lenient::string")]
    pub team_type: String,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub allow_open_invite: bool,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub create_at: i64,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub delete_at: i64,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub group_constrained: bool,
}

impl Team {
    pub fn is_invite_only(&self) -> bool {
        self.team_type == "I" || !self.allow_open_invite
    }
}

/// A team membership (`GET /api/v4/teams/{id}/members`). The server never sends the join time.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TeamMember {
    #[serde(deserialize_with = "lenient::string")]
    pub team_id: String,
    #[serde(deserialize_with = "lenient::string")]
    pub user_id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub roles: String,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub delete_at: i64,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub scheme_guest: bool,
    #[serde(default, deserialize_with = "lenient::bool")]
    pub scheme_admin: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_with_extra_and_missing_fields() {
        let user: User = serde_json::from_str(
            r#"{"id":"ys39xtsrzibu7x66aeiae4ze7a","create_at":1711104746704,"update_at":"1711104837981","delete_at":0,"username":"admin","auth_data":"","auth_service":"","email":"admin@example.com","roles":"system_admin system_user","timezone":{"useAutomaticTimezone":"true"},"disable_welcome_email":false}"#,
        )
        .unwrap();
        assert!(user.is_system_admin());
        assert_eq!(user.update_at, 1711104837981);
        assert!(!user.is_bot && user.last_login.is_none());
    }

    #[test]
    fn team_with_null_policy() {
        let teams: Vec<Team> = serde_json::from_str(
            r#"[{"id":"r6drm3hpw3yjxpqfxmjrhwcj8h","create_at":1711104751085,"delete_at":0,"display_name":"Ops","name":"ops","type":"I","allow_open_invite":false,"policy_id":null,"group_constrained":null}]"#,
        )
        .unwrap();
        assert!(teams[0].is_invite_only());
        assert!(!teams[0].group_constrained);
    }

    #[test]
    fn login_body_omits_missing_mfa() {
        let body = serde_json::to_string(&LoginRequest {
            login_id: "a",
            password: "p",
            token: None,
        })
        .unwrap();
        assert_eq!(body, r#"{"login_id":"a","password":"p"}"#);
    }
}
