//! The pages in a real browser: Debian's headless Chromium driven through chromedriver.

use std::process::{Child, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{
    ADMIN, ADMIN_PASSWORD, Backend, SOCIAL_GROUP_CODES, TestApp, external, social_group,
};

/// chromedriver on a free port and a Chromium session through it.
pub(crate) struct Browser {
    driver: Child,
    pub(crate) client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub(crate) async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = external("chromedriver", "apt-get install chromium chromium-driver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1400,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session through chromedriver");
        Browser {
            driver,
            client,
            _profile: profile,
        }
    }

    /// A browser signed in as the test app's admin, through the sign-in form.
    async fn signed_in(app: &TestApp) -> Browser {
        Browser::signed_in_at(&app.address, ADMIN, ADMIN_PASSWORD).await
    }

    /// A browser signed in through the sign-in form of the server at `address`.
    pub(crate) async fn signed_in_at(address: &str, name: &str, password: &str) -> Browser {
        let browser = Browser::start().await;
        let c = &browser.client;
        c.goto(&format!("{address}/login")).await.unwrap();
        let form = c.form(Locator::Css("form[action='/login']")).await.unwrap();
        form.set_by_name("name", name).await.unwrap();
        form.set_by_name("password", password).await.unwrap();
        submit(c, &form).await;
        let header = text_of(c, "header .account").await;
        assert!(header.contains(name), "signed in: {header}");
        browser
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    // The page may redraw the element between finding and reading it (the map's status
    // line does): read again then.
    for _ in 0..20 {
        let element = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"));
        if let Ok(text) = element.text().await {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} kept changing under the reader")
}

/// Follows a link by its text, as a user does, and waits for the next page.
async fn follow(client: &Client, text: &str) {
    click_away(client, Locator::LinkText(text)).await;
}

/// Sends a form, as its button does, and waits for the answer's page.
async fn submit(client: &Client, form: &fantoccini::elements::Form) {
    leave_page(client, form.submit()).await;
}

/// Clicks the button that sends a form and waits for the answer's page.
async fn press(client: &Client, button_css: &str) {
    click_away(client, Locator::Css(button_css)).await;
}

/// Clicks what leads to another page (a link, a send button) and waits for that page.
async fn click_away(client: &Client, what: Locator<'_>) {
    let element = client
        .find(what)
        .await
        .unwrap_or_else(|e| panic!("{what:?}: {e}"));
    leave_page(client, element.click()).await;
}

/// Runs what leaves the page (a click on a link, a form sent) and waits until the next page
/// has replaced it: WebDriver's click returns before the browser navigates, and a read at
/// once can find the old page's element of the same name (its error box, its table).
async fn leave_page(
    client: &Client,
    action: impl std::future::Future<Output = Result<(), fantoccini::error::CmdError>>,
) {
    let old = client.find(Locator::Css("html")).await.unwrap();
    action.await.unwrap();
    for _ in 0..200 {
        // An element of a page that has gone is stale: any question about it fails.
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page was not replaced within ten seconds");
}

/// The first element matching `css` once the page has drawn it (panics, saying `what`
/// was missing, when none appears within ten seconds).
pub(crate) async fn until_element(
    client: &Client,
    css: &str,
    what: &str,
) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{what} ({css}): {e}"))
}

/// The first hexagon the map draws (panics when none appears within ten seconds).
async fn first_hexagon(client: &Client) -> fantoccini::elements::Element {
    until_element(client, "#map path.hexagon", "the map draws hexagons").await
}

/// A social group of Baotou (昆都仑区少先路街道), far from the others' Hohhot.
fn in_baotou(code: &str, name: &str) -> serde_json::Value {
    let mut org = social_group(code, name);
    org["division_code"] = json!("150203001001");
    org["lon"] = json!(109.84);
    org["lat"] = json!(40.66);
    org
}

/// The text of an element once it holds `part` (the page fills it in after a request).
pub(crate) async fn until_text(client: &Client, css: &str, part: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = text_of(client, css).await;
        if text.contains(part) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never held {part:?}: {text:?}")
}

/// Clicks an element (an option of a select, a box, a button), as a user does.
pub(crate) async fn choose(client: &Client, option_css: &str) {
    client
        .find(Locator::Css(option_css))
        .await
        .unwrap_or_else(|e| panic!("{option_css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_map_shows_hexagons_and_opens_a_panel_with_the_counts_and_organizations() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut own = social_group(SOCIAL_GROUP_CODES[0], "有党支部的软件协会");
    own["formal_members"] = json!(5);
    own["party_org"] = json!("branch");
    own["party_org_established_on"] = json!("2024-03-01");
    app.create(&own).await;
    app.create(&social_group(SOCIAL_GROUP_CODES[1], "未覆盖的书法协会"))
        .await;

    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/map")).await.unwrap();
    let hexagon = first_hexagon(c).await;
    let status = text_of(c, "#status").await;
    assert!(status.contains("个网格"), "{status}");
    let legend = text_of(c, "#legend").await;
    assert!(legend.contains("工作覆盖率"), "{legend}");
    // Both organizations are in one hexagon: its panel counts them and lists them.
    hexagon.click().await.unwrap();
    let counts = text_of(c, "#panel table.counts").await;
    assert!(counts.contains("社会组织 2"), "{counts}");
    assert!(counts.contains("单独组建 1"), "{counts}");
    assert!(counts.contains("未覆盖 1"), "{counts}");
    assert!(counts.contains("工作覆盖率 50.0%"), "{counts}");
    let names = text_of(c, "#panel ul.orgs li:nth-child(2)").await;
    let list = text_of(c, "#panel ul.orgs").await;
    assert!(!names.is_empty());
    assert!(
        list.contains("有党支部的软件协会") && list.contains("未覆盖的书法协会"),
        "{list}"
    );
    assert!(
        list.contains("选派党建工作指导员"),
        "the uncovered one's recommendation: {list}"
    );

    // The rate switch recolours and relabels without reloading.
    choose(c, "#rate option[value='own_organization_rate']").await;
    let legend = text_of(c, "#legend").await;
    assert!(legend.contains("单独组建率"), "{legend}");

    // A filter that matches nothing empties the map.
    choose(c, "#kind option[value='foundation']").await;
    for _ in 0..50 {
        if text_of(c, "#status").await.starts_with("0 个网格") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(c, "#status").await.starts_with("0 个网格"));
    browser.stop().await;
}

/// Moves the mouse onto an element, as a user hovering it does.
async fn hover(client: &Client, element: fantoccini::elements::Element) {
    use fantoccini::actions::{InputSource, MouseActions, PointerAction};
    let actions = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element,
        duration: Some(Duration::from_millis(100)),
        x: 0.0,
        y: 0.0,
    });
    client.perform_actions(actions).await.unwrap();
}

/// Hovers the `nth` element matching `css` until a tooltip saying `expected` opens, and
/// returns its text. The map redraws its layers as it settles (a marker found may be
/// replaced by an equal one under the pointer, which then never "enters" it; on a loaded
/// machine the redraws keep coming), so the pointer leaves for the panel and comes back,
/// and when the pointer's hover does not open it, the page's own `mouseover` is sent to the
/// element found in the same script: what is checked is the tooltip Leaflet draws from the
/// name, whichever way the hover reached it.
pub(crate) async fn tooltip_of(client: &Client, css: &str, nth: usize, expected: &str) -> String {
    let mut last = String::new();
    let tooltips =
        "return Array.from(document.querySelectorAll('.leaflet-tooltip'), t => t.textContent)";
    let dispatch = "var el = document.querySelectorAll(arguments[0])[arguments[1]]; \
        if (!el) return false; \
        var box = el.getBoundingClientRect(); \
        el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2})); \
        return true;";
    for attempt in 0..10 {
        hover(client, client.find(Locator::Css("#panel")).await.unwrap()).await;
        if attempt % 2 == 0 {
            let Some(element) = client
                .find_all(Locator::Css(css))
                .await
                .unwrap()
                .into_iter()
                .nth(nth)
            else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            hover(client, element).await;
        } else {
            client
                .execute(dispatch, vec![json!(css), json!(nth)])
                .await
                .unwrap();
        }
        for _ in 0..30 {
            // The text as the page holds it: WebDriver's visible text is empty while
            // Leaflet fades a tooltip in.
            let texts = client.execute(tooltips, vec![]).await.unwrap();
            for text in texts.as_array().into_iter().flatten() {
                let text = text.as_str().unwrap_or_default().to_owned();
                if text.contains(expected) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("no tooltip of {css} #{nth} says {expected:?}; the last said {last:?}")
}

/// How many elements the page holds that a name's markup would have made.
async fn injected(client: &Client) -> u64 {
    client
        .execute(
            "return document.querySelectorAll('.injected, meta[http-equiv]').length",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn names_holding_markup_stay_text_in_every_map_feature() {
    // Two small organizations side by side: each a point at street zoom, together one
    // proposed regional joint branch (R4), and one hexagon with both in its panel.
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let names = [
        r#"<b class="injected">甲</b>协会"#,
        r#"<meta http-equiv="refresh" content="0;url=https://example.org/">乙协会"#,
    ];
    for (i, name) in names.iter().enumerate() {
        let mut org = social_group(SOCIAL_GROUP_CODES[i], name);
        org["lon"] = json!(111.6708 + 0.0003 * i as f64);
        app.create(&org).await;
    }
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/map")).await.unwrap();
    // The map fits the two organizations, so it opens at street zoom with their points.
    let points = until_element(c, "#map path.org-point", "the points at street zoom").await;
    drop(points);
    let points = c
        .find_all(Locator::Css("#map path.org-point"))
        .await
        .unwrap();
    assert_eq!(points.len(), 2);
    for nth in 0..2 {
        // The tooltip shows the name as written, markup and all.
        let tip = tooltip_of(c, "#map path.org-point", nth, "协会").await;
        assert!(names.iter().any(|n| tip.contains(n)), "{tip}");
        assert_eq!(injected(c).await, 0, "no element made from a name");
    }
    choose(c, "#groups").await;
    until_element(c, "#map path.joint-group", "the proposed joint branch").await;
    let tip = tooltip_of(c, "#map path.joint-group", 0, "拟建联合党支部").await;
    assert!(
        tip.contains(names[0]) && tip.contains(names[1]),
        "both members by name: {tip}"
    );
    assert_eq!(injected(c).await, 0);
    first_hexagon(c).await.click().await.unwrap();
    let list = text_of(c, "#panel ul.orgs").await;
    assert!(list.contains(names[0]) && list.contains(names[1]), "{list}");
    assert_eq!(injected(c).await, 0);
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/map",
        "nothing navigated away"
    );
    browser.stop().await;
}

#[tokio::test]
async fn registering_in_the_form_shows_errors_beside_fields_then_the_r6_notice() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/orgs/new")).await.unwrap();
    // The credit code is checked while it is typed: a wrong last character is named.
    let code = c.find(Locator::Css("#f-credit_code")).await.unwrap();
    code.send_keys("51150102MJ0000114X").await.unwrap();
    let check = text_of(c, "#credit-code-check").await;
    assert!(check.contains("第18位（校验码）应为“U”"), "{check}");
    code.clear().await.unwrap();
    code.send_keys(SOCIAL_GROUP_CODES[0]).await.unwrap();
    assert_eq!(text_of(c, "#credit-code-check").await, "校验通过");
    code.clear().await.unwrap();
    // A click on the form's map fills in the point, in WGS84.
    choose(c, "#pick-map").await;
    let picked = c
        .find(Locator::Css("#f-lon"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    let lon: f64 = picked
        .parse()
        .unwrap_or_else(|_| panic!("a longitude, not '{picked}'"));
    assert!((73.0..136.0).contains(&lon), "{lon}");
    // Issue 18.5: the division picked by name, province down to township, fills the code
    // and shows its names; a code the 2023 register lacks is a warning, not a refusal.
    for (parent, code) in [
        ("", "15"),
        ("15", "1501"),
        ("1501", "150102"),
        ("150102", "150102001"),
    ] {
        let option =
            format!("#division-picker select[data-parent='{parent}'] option[value='{code}']");
        text_of(c, &option).await;
        choose(c, &option).await;
    }
    let division = c.find(Locator::Css("#f-division_code")).await.unwrap();
    assert_eq!(
        division.prop("value").await.unwrap().as_deref(),
        Some("150102001")
    );
    let shown = until_text(c, "#division-name", "海拉尔东路街道").await;
    assert_eq!(shown, "内蒙古自治区呼和浩特市新城区海拉尔东路街道");
    division.clear().await.unwrap();
    division.send_keys("150102999").await.unwrap();
    let shown = until_text(c, "#division-name", "不在").await;
    assert!(
        shown.contains("不在2023年统计用区划代码中，请核实（可以保存）"),
        "{shown}"
    );
    division.clear().await.unwrap();
    let fill = |values: Vec<(&'static str, &'static str)>| async move {
        let form = c.form(Locator::Css("form.register")).await.unwrap();
        for (name, value) in values {
            form.set_by_name(name, value).await.unwrap();
        }
        submit(c, &form).await;
    };
    // A wrong credit code sent anyway: the server's error beside the field, nothing saved.
    fill(vec![
        ("credit_code", "51150102MJ0000114X"),
        ("name", "幸福里社区志愿者协会"),
        ("kind", "community"),
        ("level", "county"),
        ("division_code", "150102001001"),
        ("lon", "111.6708"),
        ("lat", "40.8183"),
        ("formal_members", "4"),
    ])
    .await;
    let error = text_of(c, "#f-credit_code-error").await;
    assert!(error.contains("校验码"), "{error}");
    assert_eq!(app.audit_rows().await, 0);
    // A community organization (no credit code needed) with a negative member count.
    fill(vec![
        ("credit_code", ""),
        ("name", "幸福里社区志愿者协会"),
        ("kind", "community"),
        ("level", "county"),
        ("division_code", "150102001001"),
        ("lon", "111.6708"),
        ("lat", "40.8183"),
        ("formal_members", "-1"),
    ])
    .await;
    let error = text_of(c, "#f-formal_members-error").await;
    assert!(error.contains("正式党员数"), "{error}");
    let alert = text_of(c, "div.alert").await;
    assert!(alert.contains("1 项"), "{alert}");
    // What was typed is still there; nothing was registered.
    let name = c
        .find(Locator::Css("#f-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(name.as_deref(), Some("幸福里社区志愿者协会"));
    assert_eq!(app.audit_rows().await, 0);

    fill(vec![("formal_members", "4")]).await;
    let notice = text_of(c, "div.alert").await;
    assert!(notice.contains("须与登记同步建立党组织（R6）"), "{notice}");
    assert!(notice.contains("5个工作日内"), "{notice}");
    let recommendation = text_of(c, "p.recommendation").await;
    assert!(
        recommendation.contains("单独建立党支部"),
        "{recommendation}"
    );
    let url = c.current_url().await.unwrap();
    assert!(url.path().starts_with("/orgs/"), "{url}");
    assert_eq!(app.audit_rows().await, 1);

    // The notice says a task was created, and the task list holds it.
    assert!(
        notice.contains("已为负责的党建工作机构生成任务"),
        "{notice}"
    );
    let page = c.current_url().await.unwrap();
    follow(c, "任务清单").await;
    let task = text_of(c, "table.tasks tbody tr").await;
    assert!(
        task.contains("幸福里社区志愿者协会")
            && task.contains("内蒙古自治区呼和浩特市新城区海拉尔东路街道党组织"),
        "a community organization's task is its township's (clause 6): {task}"
    );
    c.goto(page.as_str()).await.unwrap();

    // The list finds it by a part of its name and links to its page.
    c.goto(&app.url("/orgs?q=志愿者")).await.unwrap();
    let row = text_of(c, "table.list tbody tr").await;
    assert!(
        row.contains("幸福里社区志愿者协会") && row.contains("城乡社区社会组织"),
        "{row}"
    );
    follow(c, "幸福里社区志愿者协会").await;
    let history = text_of(c, "table.list tbody").await;
    assert!(history.contains("testadmin@127.0.0.1"), "{history}");
    browser.stop().await;
}

#[tokio::test]
async fn a_stale_edit_form_is_refused_and_a_fresh_one_saves_then_deregistration_asks_first() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let org = app
        .create(&social_group(
            SOCIAL_GROUP_CODES[0],
            "呼和浩特市软件行业协会",
        ))
        .await;
    let id = org["id"].as_i64().unwrap();
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url(&format!("/orgs/{id}/edit"))).await.unwrap();
    // Someone else changes it after this form was opened.
    let (status, _) = app
        .patch(
            &format!("/api/orgs/{id}"),
            &json!({"version": 1, "staff": 40}),
        )
        .await;
    assert_eq!(status, 200);
    let form = c.form(Locator::Css("form.register")).await.unwrap();
    form.set_by_name("formal_members", "6").await.unwrap();
    submit(c, &form).await;
    let alert = text_of(c, "div.alert").await;
    assert!(alert.contains("已被他人修改"), "{alert}");
    let (_, stored) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(stored["formal_members"], 2, "nothing overwritten");
    assert_eq!(stored["staff"], 40);

    // Opened again, the form carries the other change and saves this one.
    c.goto(&app.url(&format!("/orgs/{id}/edit"))).await.unwrap();
    let form = c.form(Locator::Css("form.register")).await.unwrap();
    form.set_by_name("formal_members", "6").await.unwrap();
    submit(c, &form).await;
    let fields = text_of(c, "table.fields").await;
    assert!(fields.contains("正式党员数 6"), "{fields}");
    assert!(fields.contains("从业人员数 40"), "{fields}");

    // Deregistration needs the confirmation box ticked.
    c.goto(&app.url(&format!("/orgs/{id}/deregister")))
        .await
        .unwrap();
    let form = c.form(Locator::Css("main form")).await.unwrap();
    leave_page(c, form.submit_direct()).await;
    let (_, still) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(still["status"], "active", "not without confirmation");
    c.goto(&app.url(&format!("/orgs/{id}/deregister")))
        .await
        .unwrap();
    choose(c, "input[name='confirm']").await;
    press(c, "main button[type='submit']").await;
    let fields = text_of(c, "table.fields").await;
    assert!(fields.contains("状态 注销"), "{fields}");
    let (_, gone) = app.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(gone["status"], "deregistered");
    browser.stop().await;
}

/// Issue 18.3 as a clerk meets it: the map says how many organizations of the view have no
/// point and links to their list; the organization's page says it is not on the map; a click
/// on the edit form's map sets the point, and the hexagons count it from then on.
#[tokio::test]
async fn an_organization_without_a_point_is_counted_aside_on_the_map_until_a_click_locates_it() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.create(&social_group(SOCIAL_GROUP_CODES[0], "有位置的软件协会"))
        .await;
    let mut unlocated = social_group(SOCIAL_GROUP_CODES[1], "没有位置的书法协会");
    let fields = unlocated.as_object_mut().unwrap();
    fields.remove("lon");
    fields.remove("lat");
    let id = app.create(&unlocated).await["id"].as_i64().unwrap();

    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/map")).await.unwrap();
    first_hexagon(c).await;
    let note = until_text(c, "#unlocated", "没有经纬度").await;
    assert!(note.contains("视野内另有 1 个社会组织没有经纬度"), "{note}");
    let link = c
        .find(Locator::Css("#unlocated a"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(link, "/tasks?list=locate");
    c.goto(&app.url(&link)).await.unwrap();
    let tasks = text_of(c, "table.tasks").await;
    assert!(
        tasks.contains("没有位置的书法协会") && !tasks.contains("有位置的软件协会"),
        "{tasks}"
    );

    c.goto(&app.url(&format!("/orgs/{id}"))).await.unwrap();
    let aside = text_of(c, "#no-location").await;
    assert!(aside.contains("位置未知"), "{aside}");
    follow(c, "补录位置（在地图上点选）").await;
    assert!(
        text_of(c, "#pick-map-hint")
            .await
            .contains("在地图上点击即可设置位置")
    );
    choose(c, "#pick-map").await;
    let form = c.form(Locator::Css("form.register")).await.unwrap();
    submit(c, &form).await;
    let fields = text_of(c, "table.fields").await;
    assert!(!fields.contains("经纬度 (WGS84) 未知"), "{fields}");
    let (_, located) = app.get(&format!("/api/orgs/{id}")).await;
    assert!(located["cell"].is_string(), "{located}");

    c.goto(&app.url("/map")).await.unwrap();
    first_hexagon(c).await;
    for _ in 0..50 {
        let count = c
            .find(Locator::Css("#unlocated"))
            .await
            .unwrap()
            .attr("data-count")
            .await
            .unwrap();
        if count.as_deref() == Some("0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hidden = c
        .find(Locator::Css("#unlocated"))
        .await
        .unwrap()
        .attr("hidden")
        .await
        .unwrap();
    assert!(
        hidden.is_some(),
        "no note once every organization has a point"
    );
    browser.stop().await;
}

#[tokio::test]
async fn the_dashboard_shows_the_rates_against_targets_and_leads_into_the_map() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let mut own = social_group(SOCIAL_GROUP_CODES[0], "有党支部的软件协会");
    own["formal_members"] = json!(5);
    own["party_org"] = json!("branch");
    own["party_org_established_on"] = json!("2024-03-01");
    app.create(&own).await;
    app.create(&social_group(SOCIAL_GROUP_CODES[1], "未覆盖的书法协会"))
        .await;
    let mut baotou = in_baotou(SOCIAL_GROUP_CODES[2], "包头市摄影协会");
    baotou["instructor"] = json!("李指导员");
    app.create(&baotou).await;

    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    // Everything is in Inner Mongolia: the cities are one level down.
    let heading = text_of(c, "h1").await;
    assert!(heading.contains("内蒙古自治区"), "{heading}");
    let rates = text_of(c, "section.rates").await;
    assert!(rates.contains("单独组建率\n33.3%"), "{rates}");
    assert!(rates.contains("工作覆盖率\n66.7%"), "{rates}");
    assert!(rates.contains("目标 100.0%"), "{rates}");
    let table = text_of(c, "table.divisions tbody").await;
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[0].starts_with("呼和浩特市 1501 2 1"),
        "most uncovered first: {table}"
    );
    // Sorting by the work-coverage rate puts the lowest first.
    click_away(c, Locator::Css("th a[href='/?sort=work_coverage_rate']")).await;
    let table = text_of(c, "table.divisions tbody").await;
    assert!(table.starts_with("呼和浩特市"), "{table}");
    // A division leads into the map, filtered to it.
    follow(c, "包头市").await;
    first_hexagon(c).await;
    let division = c
        .find(Locator::Css("#division"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(division.as_deref(), Some("1502"));
    browser.stop().await;
}

#[tokio::test]
async fn the_gap_list_ranks_the_gaps_offers_the_downloads_and_shows_each_on_the_map() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.create(&social_group(SOCIAL_GROUP_CODES[0], "未覆盖的软件协会"))
        .await;
    let mut far = in_baotou(SOCIAL_GROUP_CODES[2], "包头市摄影协会");
    far["formal_members"] = json!(4);
    app.create(&far).await;

    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/gaps?res=8")).await.unwrap();
    let rows = text_of(c, "table.gaps tbody").await;
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Both are uncovered; the one that should build its own branch ranks first.
    assert!(
        rows[0].starts_with("1 内蒙古自治区包头市昆都仑区少先路街道 150203001001 1 1 1"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with(
            "2 内蒙古自治区呼和浩特市新城区海拉尔东路街道公主府社区居委会 150102001001 1 1 0"
        ),
        "{rows:?}"
    );
    let xlsx = c
        .find(Locator::LinkText("Excel"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // The page's tables come with headers in the page's language.
    assert_eq!(xlsx, "/api/gaps.xlsx?res=8&headers=zh");
    let r = app.client.get(app.url(&xlsx)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let show = c
        .find(Locator::LinkText("查看"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cell = show
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("cell="))
        .unwrap()
        .to_owned();
    assert!(
        show.contains("res=8"),
        "the link keeps the list's resolution: {show}"
    );
    follow(c, "查看").await;
    // The gap's hexagon is outlined, its panel open, at the list's resolution.
    until_element(
        c,
        "#map path.hexagon.selected",
        "the linked hexagon is outlined",
    )
    .await;
    let heading = until_text(c, "#panel h2", &cell).await;
    assert_eq!(heading, format!("网格 {cell}"));
    until_text(c, "#status", "H3 8 级").await;
    until_text(c, "#panel table.counts", "社会组织 1").await;
    browser.stop().await;
}

#[tokio::test]
async fn the_map_keeps_its_view_in_the_url_and_an_organization_link_marks_it() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let org = app
        .create(&social_group(
            SOCIAL_GROUP_CODES[0],
            "未覆盖的<b>软件</b>协会",
        ))
        .await;
    let mut far = in_baotou(SOCIAL_GROUP_CODES[2], "包头市摄影协会");
    far["industry"] = json!("文化艺术");
    app.create(&far).await;
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;

    // The organization's page leads to its point, marked, with a popup naming it as text.
    c.goto(&app.url(&format!("/orgs/{}", org["id"])))
        .await
        .unwrap();
    follow(c, "在地图上查看").await;
    until_element(
        c,
        "#map path.org-point.selected",
        "the organization is marked",
    )
    .await;
    let popup = until_text(c, ".leaflet-popup-content", "协会").await;
    assert!(popup.contains("未覆盖的<b>软件</b>协会"), "{popup}");
    // At street zoom the legend gives the points' colours too.
    let legend = until_text(c, "#legend", "社会组织").await;
    assert!(
        legend.contains("未覆盖") && legend.contains("单独组建"),
        "{legend}"
    );

    // The industry filter offers the registry's industries.
    let offered = c
        .find(Locator::Css("#industries option[value='文化艺术']"))
        .await;
    assert!(
        offered.is_ok(),
        "the datalist offers the registry's industry"
    );

    // A hexagon clicked and a filter chosen are steps in the URL; back restores the first.
    c.goto(&app.url("/map")).await.unwrap();
    first_hexagon(c).await.click().await.unwrap();
    until_text(c, "#panel h2", "网格 ").await;
    let url = c.current_url().await.unwrap();
    let selected_cell = url
        .query_pairs()
        .find(|(k, _)| k == "cell")
        .map(|(_, v)| v.into_owned())
        .expect("the selected hexagon is in the URL");
    assert!(url.query_pairs().any(|(k, _)| k == "z"), "{url}");
    choose(c, "#kind option[value='foundation']").await;
    until_text(c, "#status", "0 个网格").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("kind=foundation")
    );
    c.back().await.unwrap();
    until_text(c, "#panel h2", &selected_cell).await;
    let kind = c
        .find(Locator::Css("#kind"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kind.as_deref(), Some(""));
    until_element(
        c,
        "#map path.hexagon.selected",
        "back restores the outlined hexagon",
    )
    .await;

    // Typing a division code moves the map to that division's extent.
    let division = c.find(Locator::Css("#division")).await.unwrap();
    division.send_keys("150203\u{E007}").await.unwrap();
    for _ in 0..100 {
        let url = c.current_url().await.unwrap();
        if url.as_str().contains("division=150203") && url.as_str().contains("lon=109.") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = c.current_url().await.unwrap();
    assert!(
        url.as_str().contains("lon=109."),
        "the map moved to Baotou: {url}"
    );

    // The search box finds a division by name, which opens the map on it, and an
    // organization by name, shown as text, which marks it.
    c.goto(&app.url("/map")).await.unwrap();
    first_hexagon(c).await;
    let search = c.find(Locator::Css("#search")).await.unwrap();
    search.send_keys("昆都仑\u{E007}").await.unwrap();
    let found = until_text(c, "#panel ul.search-results.divisions", "昆都仑区").await;
    assert!(found.contains("内蒙古自治区包头市昆都仑区"), "{found}");
    click_away(c, Locator::LinkText("昆都仑区")).await;
    assert_eq!(text_of(c, "#breadcrumb strong").await, "昆都仑区");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("division=150203")
    );
    let search = c.find(Locator::Css("#search")).await.unwrap();
    search.send_keys("未覆盖的").await.unwrap();
    // Within the division shown or not: a search looks in the whole jurisdiction.
    let found = until_text(c, "#panel ul.search-results.orgs", "协会").await;
    assert!(found.contains("未覆盖的<b>软件</b>协会"), "{found}");
    assert!(
        c.find(Locator::Css("#panel ul.search-results b"))
            .await
            .is_err(),
        "a name is text, never markup"
    );
    assert!(text_of(c, "#panel").await.contains("未找到区划"));
    click_away(c, Locator::LinkText("未覆盖的<b>软件</b>协会")).await;
    until_element(
        c,
        "#map path.org-point.selected",
        "the organization found is marked",
    )
    .await;
    let (status, text) = app
        .get("/api/divisions/search?q=%E6%96%B0%E5%9F%8E&limit=0")
        .await;
    assert_eq!(status, 422, "{text}");
    browser.stop().await;
}

#[tokio::test]
async fn the_language_switch_changes_the_page_text_and_is_remembered() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    app.create(&social_group(SOCIAL_GROUP_CODES[0], "未覆盖的书法协会"))
        .await;
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.goto(&app.url("/map")).await.unwrap();
    first_hexagon(c).await;
    assert_eq!(text_of(c, "nav a[aria-current='page']").await, "覆盖地图");
    follow(c, "English").await;
    // Back on the same page, in English, the map's own texts included.
    first_hexagon(c).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/map");
    assert_eq!(text_of(c, "nav a[aria-current='page']").await, "Map");
    let legend = text_of(c, "#legend").await;
    assert!(legend.contains("Work coverage"), "{legend}");
    for _ in 0..50 {
        if text_of(c, "#status").await.contains("hexagons") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(c, "#status").await.contains("hexagons"));
    // The choice is kept for the next page.
    follow(c, "Tasks").await;
    assert!(text_of(c, "h1").await.starts_with("Task lists"));
    follow(c, "中文").await;
    assert!(text_of(c, "h1").await.starts_with("任务清单"));
    browser.stop().await;
}

/// The README's screenshots: the map and the dashboard of the demo data, taken by the
/// browser. Written to `docs/` when `ORGCOVER_UPDATE_SCREENSHOTS` is set, else checked only.
#[tokio::test]
async fn screenshots_of_the_demo_map_dashboard_and_report() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let csv = app.path("demo.csv");
    let csv = csv.to_str().unwrap();
    app.cli_ok(&[
        "generate",
        "--orgs",
        "20000",
        "--seed",
        "2024",
        "--division",
        "15",
        "--out",
        csv,
    ]);
    app.cli_ok(&["import", csv]);
    // The server takes the import in from the audit log within a few seconds.
    for _ in 0..100 {
        let (_, coverage) = app.get("/api/coverage/divisions?level=province").await;
        if coverage["items"][0]["total"].as_u64().unwrap_or(0) > 15_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.set_window_size(1400, 900).await.unwrap();
    let mut shots = Vec::new();
    let report = format!("/report?period={}&division=15", {
        use chrono::Datelike;
        let today = orgcover::registry::today();
        format!("{}Q{}", today.year(), today.month0() / 3 + 1)
    });
    for (name, path) in [
        ("map", "/map"),
        ("dashboard", "/"),
        ("report", report.as_str()),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        if name == "map" {
            // Issue 19.5: a hexagon of hundreds of organizations lists them in a panel that
            // scrolls inside itself; the page stays the window's height.
            first_hexagon(c).await.click().await.unwrap();
            text_of(c, "#panel ul.orgs li:nth-child(20)").await;
            let heights = c
                .execute(
                    "return [document.documentElement.scrollHeight, window.innerHeight, \
                     document.getElementById('panel').scrollHeight, \
                     document.getElementById('panel').clientHeight];",
                    vec![],
                )
                .await
                .unwrap();
            let [page, window, panel, shown] = [0, 1, 2, 3].map(|i| heights[i].as_i64().unwrap());
            assert_eq!(
                page, window,
                "the page keeps the window's height: {heights}"
            );
            assert!(panel > shown, "the panel scrolls: {heights}");
            c.goto(&app.url(path)).await.unwrap();
            first_hexagon(c).await;
            // Let every hexagon of the view arrive and draw.
            for _ in 0..50 {
                if !text_of(c, "#status").await.contains("正在加载") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let png = c.screenshot().await.unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "{name}: {} bytes",
            png.len()
        );
        shots.push((name, png));
        if name == "dashboard" {
            // The eight quarters' trend, as the README shows it.
            let trend = until_element(c, "section.trend", "the dashboard's trend").await;
            let png = trend.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG") && png.len() > 5_000);
            shots.push(("dashboard-trend", png));
        }
    }
    browser.stop().await;
    // The report's first page as LibreOffice prints it (the README shows it beside the page).
    let xlsx = app.path("report.xlsx");
    app.cli_ok(&[
        "report",
        "--period",
        report
            .trim_start_matches("/report?period=")
            .split('&')
            .next()
            .unwrap(),
        "--division",
        "15",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let pdf = crate::report::pdf_of(&xlsx, &app.path(""));
    let prefix = app.path("report-page");
    let out = crate::helpers::external("pdftoppm", "apt-get install poppler-utils")
        .args([
            "-png", "-r", "200", "-f", "1", "-l", "1", "-x", "140", "-y", "140", "-W", "2200",
            "-H", "380",
        ])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read(app.path("report-page-1.png")).unwrap();
    assert!(page.starts_with(b"\x89PNG") && page.len() > 20_000);
    shots.push(("report-pdf", page));
    if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        for (name, png) in shots {
            let path = format!("{}/docs/{name}.png", env!("CARGO_MANIFEST_DIR"));
            std::fs::write(&path, png).unwrap();
        }
    }
}

#[tokio::test]
async fn recording_party_work_in_the_browser_takes_the_work_off_the_task_lists() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Three one-member organizations close together: a proposed joint branch.
    let mut ids = Vec::new();
    for (i, lon) in [111.6700, 111.6712, 111.6724].into_iter().enumerate() {
        let mut body = social_group(SOCIAL_GROUP_CODES[i], &format!("小组织{i}"));
        body["formal_members"] = json!(1);
        body["lon"] = json!(lon);
        ids.push(app.create(&body).await["id"].as_i64().unwrap());
    }
    // A community organization (no credit code) with five formal members.
    let mut big = social_group("", "应建未建的协会");
    big.as_object_mut().unwrap().remove("credit_code");
    big["kind"] = json!("community");
    big["formal_members"] = json!(5);
    big["division_code"] = json!("150102002001");
    let big = app.create(&big).await["id"].as_i64().unwrap();

    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    // Should build, not built: on the list, with the form that records it.
    c.goto(&app.url("/tasks?list=should_build")).await.unwrap();
    let row = text_of(c, "table.tasks tbody tr").await;
    assert!(row.contains("应建未建的协会"), "{row}");
    follow(c, "记录").await;
    let form = c.form(Locator::Css("main form.record")).await.unwrap();
    form.set_by_name("party_org", "branch").await.unwrap();
    submit(c, &form).await;
    assert_eq!(text_of(c, "p.notice").await, "已记录。");
    let page = text_of(c, "main").await;
    assert!(page.contains("党组织形式 党支部"), "{page}");
    c.goto(&app.url("/tasks?list=should_build")).await.unwrap();
    assert!(
        text_of(c, "main")
            .await
            .contains("这个清单目前没有待办事项")
    );
    let (_, org) = app.get(&format!("/api/orgs/{big}")).await;
    assert_eq!(org["party_org"], "branch");

    // The proposed joint branch, founded in one click for its three members.
    c.goto(&app.url(&format!("/orgs/{}", ids[0])))
        .await
        .unwrap();
    follow(c, "按此方案记录联合党支部成立").await;
    let members = text_of(c, "fieldset.members").await;
    assert!(
        members.contains("小组织1") && members.contains("小组织2"),
        "{members}"
    );
    press(c, "main form.record button[type='submit']").await;
    assert_eq!(text_of(c, "p.notice").await, "已记录。");
    for id in &ids {
        let (_, d) = app.get(&format!("/api/orgs/{id}/decision")).await;
        assert_eq!(d["coverage"], "joint", "{id}");
    }

    // An election recorded from its form, with the date typed.
    c.goto(&app.url(&format!("/orgs/{big}/election")))
        .await
        .unwrap();
    press(c, "main form.record button[type='submit']").await;
    assert_eq!(text_of(c, "p.notice").await, "已记录。");
    let (_, org) = app.get(&format!("/api/orgs/{big}")).await;
    assert!(org["last_election_on"].is_string(), "{org}");
    browser.stop().await;
}

/// Issue 18: a clerk uploads a ledger in the browser and reads the check before anything
/// is written; the README's screenshot of the check is taken here.
#[tokio::test]
async fn a_ledger_uploaded_in_the_browser_is_checked_before_it_is_imported() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let ledger = app.path("台账.xlsx");
    crate::ledgers::write_xlsx(&ledger, &crate::ledgers::rows(true));
    let browser = Browser::signed_in(&app).await;
    let c = &browser.client;
    c.set_window_size(1200, 900).await.unwrap();
    c.goto(&app.url("/orgs/import")).await.unwrap();
    c.find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(ledger.to_str().unwrap())
        .await
        .unwrap();
    press(c, "form.import button[type=submit]").await;
    let report = text_of(c, "section.report").await;
    assert!(
        report.contains("sheet 社会组织, row 6, column B 统一社会信用代码")
            && report.contains("确认导入 2 行"),
        "{report}"
    );
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 0, "nothing written before the confirmation");
    c.find(Locator::Css("input[name=skip_invalid]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    press(c, "form.confirm button[type=submit]").await;
    let done = text_of(c, "section.report").await;
    assert!(done.contains("新增 2"), "{done}");
    browser.stop().await;
    let (_, page) = app.get("/api/orgs").await;
    assert_eq!(page["total"], 2);
    if std::env::var_os("ORGCOVER_UPDATE_SCREENSHOTS").is_some() {
        std::fs::write(
            format!("{}/docs/import.png", env!("CARGO_MANIFEST_DIR")),
            png,
        )
        .unwrap();
    }
}
