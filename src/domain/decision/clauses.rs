//! The source clauses the rules cite (docs/rules.md): "Opinions" = the 2015 Opinions on
//! party building in social organizations (trial); "organs regulation" = the 2019 regulation
//! on basic-level party organizations in party and state organs, whose sizes are taken by
//! reference.

// Sources of the rules (domain.md 3). "Opinions" = the 2015 Opinions on party building in
// social organizations (trial); "organs regulation" = the 2019 regulation on basic-level
// party organizations in party and state organs.
pub(super) const OPINIONS_7: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第七条 (Opinions, clause 7)";
pub(super) const OPINIONS_8: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第八条 (Opinions, clause 8)";
pub(super) const OPINIONS_9: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第九条 (Opinions, clause 9)";
pub(super) const OPINIONS_10: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十条 (Opinions, clause 10)";
pub(super) const OPINIONS_11: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十一条 (Opinions, clause 11)";
pub(super) const OPINIONS_15: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十五条 (Opinions, clause 15)";
pub(super) const OPINIONS_18: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第十八条 (Opinions, clause 18)";
pub(super) const OPINIONS_20: &str =
    "《关于加强社会组织党的建设工作的意见（试行）》第二十条 (Opinions, clause 20)";
pub(super) const ORGANS_5: &str =
    "《中国共产党党和国家机关基层组织工作条例》第五条 (organs regulation, art. 5)";
pub(super) const ORGANS_6: &str =
    "《中国共产党党和国家机关基层组织工作条例》第六条 (organs regulation, art. 6)";
pub(super) const ORGANS_7: &str =
    "《中国共产党党和国家机关基层组织工作条例》第七条 (organs regulation, art. 7)";
