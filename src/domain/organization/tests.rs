//! Validation of organizations, field by field and across fields.

use super::validation::has_control_character;
use super::*;
use crate::domain::error::FieldError;

#[test]
fn control_characters_are_found_on_the_bytes_exactly_as_by_character() {
    let mut buffer = [0u8; 4];
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let text = c.encode_utf8(&mut buffer);
        assert_eq!(
            has_control_character(text),
            c.is_control(),
            "{:#x}",
            c as u32
        );
        let within = format!("社会{c}组织");
        assert_eq!(
            has_control_character(&within),
            c.is_control(),
            "{:#x}",
            c as u32
        );
    }
}

#[test]
fn every_field_has_an_english_label_for_the_english_pages() {
    for (field, _) in FIELDS {
        assert!(
            !field_label_en(field).is_empty(),
            "{field} lacks an English label"
        );
    }
}

pub fn valid_input() -> OrgInput {
    OrgInput {
        credit_code: Some("91350200776049653A".into()),
        name: Some("厦门市软件行业协会".into()),
        kind: Some("intermediary".into()),
        level: Some("municipal".into()),
        division_code: Some("350203".into()),
        lon: Some("118.08".into()),
        lat: Some("24.48".into()),
        formal_members: Some("4".into()),
        ..OrgInput::default()
    }
}

fn error_of(input: OrgInput, field: &str) -> FieldError {
    let errors = input.validate(Crs::Wgs84).unwrap_err();
    errors
        .field(field)
        .cloned()
        .unwrap_or_else(|| panic!("no {field} error in {errors}"))
}

#[test]
fn a_complete_row_becomes_an_organization_with_defaults() {
    let org = valid_input().validate(Crs::Wgs84).unwrap();
    assert_eq!(org.division_code.as_str(), "350203000000");
    assert_eq!(org.status, Status::Active);
    assert_eq!(org.party_org, PartyOrg::None);
    assert_eq!(org.probationary_members, 0);
    assert!(!org.is_industry_association);
}

#[test]
fn chinese_vocabulary_is_accepted() {
    let input = OrgInput {
        kind: Some("社会中介组织".into()),
        level: Some("市级".into()),
        status: Some("注销".into()),
        party_org: Some("党支部".into()),
        ..valid_input()
    };
    let org = input.validate(Crs::Wgs84).unwrap();
    assert_eq!(org.level, Level::Municipal);
    assert_eq!(org.status, Status::Deregistered);
    assert_eq!(org.party_org, PartyOrg::Branch);
    assert_eq!(
        Kind::parse("社会服务机构").unwrap(),
        Kind::PrivateNonEnterprise
    );
}

#[test]
fn every_bad_field_is_reported_in_column_order() {
    let input = OrgInput {
        name: None,
        formal_members: Some("-1".into()),
        lon: Some("east".into()),
        ..valid_input()
    };
    let errors = input.validate(Crs::Wgs84).unwrap_err();
    let fields: Vec<_> = errors.0.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["name", "lon", "formal_members"]);
}

#[test]
fn a_missing_name_is_required_in_both_languages() {
    let err = error_of(
        OrgInput {
            name: Some("  ".into()),
            ..valid_input()
        },
        "name",
    );
    assert_eq!(err.zh, "缺少必填项“名称”");
    assert_eq!(err.en, "name is required");
}

#[test]
fn a_name_over_200_characters_is_rejected() {
    let err = error_of(
        OrgInput {
            name: Some("会".repeat(201)),
            ..valid_input()
        },
        "name",
    );
    assert!(err.en.contains("at most 200"), "{}", err.en);
    assert!(
        OrgInput {
            name: Some("会".repeat(200)),
            ..valid_input()
        }
        .validate(Crs::Wgs84)
        .is_ok()
    );
}

#[test]
fn markup_in_a_name_is_kept_as_typed() {
    let name = "<script>alert(\"x\")</script> 协会";
    let org = OrgInput {
        name: Some(name.into()),
        ..valid_input()
    }
    .validate(Crs::Wgs84)
    .unwrap();
    assert_eq!(org.name, name);
}

#[test]
fn counts_must_be_whole_numbers_of_at_least_zero() {
    for bad in ["-1", "2.5", "three"] {
        let err = error_of(
            OrgInput {
                staff: Some(bad.into()),
                ..valid_input()
            },
            "staff",
        );
        assert!(err.zh.contains("不小于0的整数"), "{}", err.zh);
        assert!(err.en.contains("whole number of at least 0"), "{}", err.en);
    }
}

#[test]
fn formal_members_are_required() {
    let err = error_of(
        OrgInput {
            formal_members: None,
            ..valid_input()
        },
        "formal_members",
    );
    assert!(err.zh.contains("正式党员数"), "{}", err.zh);
}

#[test]
fn dates_must_be_real_calendar_days() {
    let err = error_of(
        OrgInput {
            registered_on: Some("2023-02-30".into()),
            ..valid_input()
        },
        "registered_on",
    );
    assert!(err.en.contains("YYYY-MM-DD"), "{}", err.en);
    let org = OrgInput {
        registered_on: Some("2023/2/28".into()),
        ..valid_input()
    }
    .validate(Crs::Wgs84)
    .unwrap();
    assert_eq!(org.registered_on, NaiveDate::from_ymd_opt(2023, 2, 28));
}

#[test]
fn a_mistyped_credit_code_is_one_error_not_also_a_missing_one() {
    for code in ["XXXXXXXXXXXXXXXXXX", "51150102MJ0000114A"] {
        let mut input = valid_input();
        input.credit_code = Some(code.into());
        let errors = input.validate(Crs::Wgs84).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{code}: {errors}");
        assert_eq!(errors.first().field, "credit_code");
        assert!(!errors.first().zh.contains("缺少"), "{code}");
    }
}

#[test]
fn only_community_organizations_may_lack_a_credit_code() {
    let err = error_of(
        OrgInput {
            credit_code: None,
            ..valid_input()
        },
        "credit_code",
    );
    assert!(err.zh.contains("仅城乡社区社会组织"), "{}", err.zh);
    let org = OrgInput {
        credit_code: None,
        kind: Some("community".into()),
        ..valid_input()
    }
    .validate(Crs::Wgs84)
    .unwrap();
    assert_eq!(
        org.key(),
        OrgKey::NameDivision("厦门市软件行业协会".into(), org.division_code)
    );
}

#[test]
fn a_civil_affairs_code_that_disagrees_with_the_kind_is_an_error() {
    let social_group_code =
        crate::domain::credit_code::CreditCode::compose(b'5', b'1', "350203", "MJ000123");
    let input = OrgInput {
        credit_code: Some(social_group_code.to_string()),
        kind: Some("foundation".into()),
        ..valid_input()
    };
    let err = error_of(input.clone(), "credit_code");
    assert!(
        err.zh.contains("社会团体") && err.zh.contains("基金会"),
        "{}",
        err.zh
    );
    let fixed = OrgInput {
        kind: Some("social_group".into()),
        ..input
    };
    assert!(fixed.validate(Crs::Wgs84).is_ok());
}

#[test]
fn an_unknown_kind_lists_the_choices() {
    let err = error_of(
        OrgInput {
            kind: Some("club".into()),
            ..valid_input()
        },
        "kind",
    );
    assert!(err.zh.contains("社会团体、民办非企业单位"), "{}", err.zh);
    assert!(
        err.en.contains("social_group, private_non_enterprise"),
        "{}",
        err.en
    );
}

#[test]
fn unknown_levels_statuses_and_party_organizations_list_the_choices() {
    let err = error_of(
        OrgInput {
            level: Some("village".into()),
            ..valid_input()
        },
        "level",
    );
    assert!(err.zh.contains("全国、省级、市级、县级"), "{}", err.zh);
    let err = error_of(
        OrgInput {
            status: Some("closed".into()),
            ..valid_input()
        },
        "status",
    );
    assert!(
        err.en.contains("active, changed, merged, deregistered"),
        "{}",
        err.en
    );
    let err = error_of(
        OrgInput {
            party_org: Some("cell".into()),
            ..valid_input()
        },
        "party_org",
    );
    assert!(err.zh.contains("党委、党总支、党支部"), "{}", err.zh);
}

#[test]
fn only_social_groups_can_be_industry_associations() {
    let err = error_of(
        OrgInput {
            is_industry_association: Some("是".into()),
            ..valid_input()
        },
        "is_industry_association",
    );
    assert!(err.en.contains("are social groups"), "{}", err.en);
    let err = error_of(
        OrgInput {
            is_industry_association: Some("maybe".into()),
            ..valid_input()
        },
        "is_industry_association",
    );
    assert!(err.en.contains("true or false"), "{}", err.en);
}

#[test]
fn an_association_reference_is_a_checked_credit_code() {
    let err = error_of(
        OrgInput {
            association: Some("91350200776049653B".into()),
            ..valid_input()
        },
        "association",
    );
    assert!(err.en.contains("character 18"), "{}", err.en);
    let err = error_of(
        OrgInput {
            association: Some("91350200776049653A".into()),
            ..valid_input()
        },
        "association",
    );
    assert!(err.en.contains("member unit of itself"), "{}", err.en);
}

#[test]
fn gcj02_input_is_stored_as_wgs84() {
    let org = OrgInput {
        crs: Some("gcj02".into()),
        ..valid_input()
    }
    .validate(Crs::Wgs84)
    .unwrap();
    assert!((org.location.unwrap().lon - 118.08).abs() > 1e-4);
    let default_gcj = valid_input().validate(Crs::Gcj02).unwrap();
    assert_eq!(org.location, default_gcj.location);
}

#[test]
fn control_characters_in_text_are_rejected() {
    let err = error_of(
        OrgInput {
            address: Some("一楼\u{0}二楼".into()),
            ..valid_input()
        },
        "address",
    );
    assert!(err.zh.contains("控制字符"), "{}", err.zh);
}

#[test]
fn json_numbers_are_read_like_text() {
    let input: OrgInput = serde_json::from_value(serde_json::json!({
        "credit_code": "91350200776049653A", "name": "协会", "kind": "intermediary",
        "level": "county", "division_code": "350203", "lon": 118.08, "lat": 24.48,
        "formal_members": 3, "is_industry_association": false
    }))
    .unwrap();
    let org = input.validate(Crs::Wgs84).unwrap();
    assert_eq!(org.formal_members, 3);
    assert!(serde_json::from_value::<OrgInput>(serde_json::json!({"nmae": "x"})).is_err());
}

#[test]
fn hidden_characters_are_found_by_their_first_byte_exactly_as_by_character() {
    use super::validation::{hidden_character, is_hidden};
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let within = format!("社会{c}组织");
        let expected = is_hidden(c).then_some((3, c));
        assert_eq!(hidden_character(&within), expected, "{:#x}", c as u32);
    }
}

#[test]
fn implausible_values_are_refused_naming_the_field() {
    for (field, value) in [
        ("registered_on", "0000-01-01"),
        ("registered_on", "26-1-1"),
        ("registered_on", "1949-09-30"),
        ("party_org_established_on", "1800-01-01"),
        ("formal_members", "4294967295"),
        ("staff", "1000001"),
        ("member_units", "99999999"),
        ("name", "软件\u{202E}协会"),
        ("name", "软件\u{200B}协会"),
        ("name", "\u{FEFF}软件协会"),
        ("address", "新城区\u{2028}一号"),
    ] {
        let mut input = valid_input();
        input.set(field, Some(value.into()));
        let errors = input.validate(Crs::Wgs84).unwrap_err();
        assert!(
            errors.field(field).is_some(),
            "{field} = {value:?}: {errors}"
        );
    }
    let mut input = valid_input();
    input.set("registered_on", Some("1949-10-01".into()));
    input.set("staff", Some("1000000".into()));
    input.set("name", Some("软件协会（呼和浩特）".into()));
    assert!(
        input.validate(Crs::Wgs84).is_ok(),
        "the bounds themselves pass"
    );
}

#[test]
fn a_registration_is_never_dated_after_today() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut input = valid_input();
    input.set("registered_on", Some("2999-01-01".into()));
    let org = input.validate(Crs::Wgs84).unwrap();
    let errors = check_dated(&org, today).unwrap_err();
    assert_eq!(errors.first().field, "registered_on");
    input.set("registered_on", Some("2026-11-25".into()));
    assert!(check_dated(&input.validate(Crs::Wgs84).unwrap(), today).is_ok());
}

#[test]
fn a_record_without_coordinates_has_no_location_and_half_a_point_is_an_error() {
    let org = OrgInput {
        lon: None,
        lat: Some("  ".into()),
        ..valid_input()
    }
    .validate(Crs::Wgs84)
    .unwrap();
    assert_eq!(org.location, None);
    let err = error_of(
        OrgInput {
            lat: None,
            ..valid_input()
        },
        "lat",
    );
    assert!(err.zh.contains("经纬度须同时填写"), "{}", err.zh);
    assert!(err.en.contains("lon is given without lat"), "{}", err.en);
    let err = error_of(
        OrgInput {
            lon: None,
            ..valid_input()
        },
        "lon",
    );
    assert!(err.en.contains("lat is given without lon"), "{}", err.en);
}
