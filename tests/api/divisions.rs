//! Issue 18.5: the division register of 2023 names every division, a code it lacks is
//! accepted with a doubt to verify, and the register answers the form's picker.

use serde_json::json;

use crate::helpers::{SOCIAL_GROUP_CODES, TestApp, social_group};
use crate::on_both_backends;

on_both_backends!(
    an_organization_carries_its_division_names_and_a_code_not_in_the_register_is_a_doubt,
    the_register_lists_the_divisions_below_one_and_refuses_a_bad_parent,
    the_list_page_exports_the_filtered_list_as_a_workbook_with_division_names,
);

async fn an_organization_carries_its_division_names_and_a_code_not_in_the_register_is_a_doubt(
    app: TestApp,
) {
    let org = app
        .create(&social_group(SOCIAL_GROUP_CODES[0], "新城区书法协会"))
        .await;
    assert_eq!(
        org["division_name"],
        "内蒙古自治区呼和浩特市新城区海拉尔东路街道公主府社区居委会"
    );
    assert_eq!(org["doubts"], json!([]));

    // A village code the register does not have: saved (the ledger may be newer than the
    // register), never silently.
    let mut newer = social_group(SOCIAL_GROUP_CODES[1], "新城区摄影协会");
    newer["division_code"] = json!("150102001999");
    let org = app.create(&newer).await;
    assert_eq!(
        org["division_name"],
        "内蒙古自治区呼和浩特市新城区海拉尔东路街道"
    );
    assert_eq!(
        org["doubts"],
        json!([{"check": "division_not_in_register", "division_code": "150102001999"}])
    );
    let (status, page) = app.page(&format!("/orgs/{}", org["id"]), "zh").await;
    assert_eq!(status, 200);
    assert!(page.contains("待核实"), "{page}");
    assert!(
        page.contains("行政区划代码 150102001999 不在2023年统计用区划代码中，请核实"),
        "{page}"
    );

    // A Baotou credit code (150203) on an organization placed in Beijing: one of the two
    // is wrong, or it moved.
    let mut moved = social_group(SOCIAL_GROUP_CODES[2], "昆都仑区棋类协会");
    moved["division_code"] = json!("110101001001");
    moved["lon"] = json!(116.41);
    moved["lat"] = json!(39.92);
    let org = app.create(&moved).await;
    assert_eq!(
        org["division_name"],
        "北京市东城区东华门街道多福巷社区居委会"
    );
    assert_eq!(org["doubts"][0]["check"], "province_disagrees");
    assert_eq!(org["doubts"][0]["credit_code_division"], "150203");
}

async fn the_register_lists_the_divisions_below_one_and_refuses_a_bad_parent(app: TestApp) {
    let (status, entry) = app.get("/api/divisions?parent=150102").await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["name"], "新城区");
    assert_eq!(entry["name_chain"], "内蒙古自治区呼和浩特市新城区");
    assert_eq!(entry["in_register"], true);
    assert_eq!(entry["register_year"], 2023);
    let items = entry["items"].as_array().unwrap();
    assert_eq!(
        items[0],
        json!({"code": "150102001", "name": "海拉尔东路街道"})
    );
    assert!(
        items
            .iter()
            .all(|d| d["code"].as_str().unwrap().starts_with("150102"))
    );

    let (_, villages) = app.get("/api/divisions?parent=150102001").await;
    assert_eq!(
        villages["items"][0],
        json!({"code": "150102001001", "name": "公主府社区居委会"})
    );
    let (_, country) = app.get("/api/divisions").await;
    assert_eq!(country["items"].as_array().unwrap().len(), 31);

    let (_, unknown) = app.get("/api/divisions?parent=150102999").await;
    assert_eq!(unknown["in_register"], false);
    assert_eq!(unknown["items"], json!([]));

    let (status, body) = app.get("/api/divisions?parent=15x").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("parent"), "{body}");
}

/// Issue 18.2: the list page exports what it lists, as filtered: Chinese headers and
/// values, the division's names beside its code.
async fn the_list_page_exports_the_filtered_list_as_a_workbook_with_division_names(app: TestApp) {
    use calamine::{Reader, Xlsx};
    app.create(&social_group(SOCIAL_GROUP_CODES[0], "新城区书法协会"))
        .await;
    app.create(&social_group(SOCIAL_GROUP_CODES[1], "新城区摄影协会"))
        .await;
    let (_, list) = app.page("/orgs?q=书法", "zh").await;
    assert!(
        list.contains("href=\"/orgs/export?format=xlsx&amp;q=%E4%B9%A6%E6%B3%95\""),
        "{list}"
    );
    let r = app
        .client
        .get(app.url("/orgs/export?format=xlsx&q=%E4%B9%A6%E6%B3%95"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("社会组织").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "the header and the one organization listed: {rows:?}"
    );
    let column = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][column("名称")], "新城区书法协会");
    assert_eq!(rows[1][column("类型")], "社会团体");
    assert_eq!(
        rows[1][column("所属区划")],
        "内蒙古自治区呼和浩特市新城区海拉尔东路街道公主府社区居委会"
    );
    let (status, _) = app.page("/orgs/export?kind=nonsense", "zh").await;
    assert_eq!(
        status, 422,
        "a filter that cannot be read is refused, not ignored"
    );
}
