"""The built-in template rulebooks a county or township can publish, as plain data.

Values follow the rulebooks counties actually publish (see DOMAIN.md §3). A village copies a
template and adapts it before its villagers' meeting adopts it; nothing here is in force
anywhere until then. Codes are stable: the same deed keeps its code in every revision, and
deductions are coded ``X..``.
"""

from __future__ import annotations

from dataclasses import dataclass

from jifen.rules.models import Item

Unit = Item.Unit
Scope = Item.Scope
Period = Item.Period
Kind = Item.Kind


@dataclass(frozen=True)
class ItemSpec:
    code: str
    title: str
    points: int
    unit: str
    scope: str = Scope.HOUSEHOLD
    cap_points: int | None = None
    cap_period: str = ""
    evidence_required: bool = False
    self_declarable: bool = False
    sensitive: bool = False
    kind: str = Kind.NORMAL


@dataclass(frozen=True)
class CategorySpec:
    title: str
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class Catalogue:
    key: str
    title: str
    categories: tuple[CategorySpec, ...]
    # (stars, minimum all-time score), stars ascending.
    star_bands: tuple[tuple[int, int], ...]

    @property
    def item_count(self) -> int:
        return sum(len(category.items) for category in self.categories)


BASE = CategorySpec(
    "基础分",
    (ItemSpec("J01", "户基础分（不可兑换）", 100, Unit.PER_YEAR, kind=Kind.BASE),),
)

VETO = ItemSpec("X01", "违法犯罪受刑事处罚（一票否决，当年及次年取消兑换资格）", 0, Unit.PER_EVENT,
                kind=Kind.VETO)  # fmt: skip

GENERAL = Catalogue(
    key="general",
    title="青山县乡村治理积分细则（通用版）",
    categories=(
        BASE,
        CategorySpec(
            "爱党爱国 · 遵纪守法",
            (
                ItemSpec("A01", "党员参加主题党日、组织生活（党员先锋）", 2,
                         Unit.PER_PERSON_OCCURRENCE, scope=Scope.PERSON, cap_points=8,
                         cap_period=Period.MONTH, self_declarable=True),
                ItemSpec("A02", "党员认领先锋岗并履职到位（党员先锋）", 5, Unit.PER_OCCURRENCE,
                         scope=Scope.PERSON, cap_points=15, cap_period=Period.QUARTER,
                         evidence_required=True, self_declarable=True),
                ItemSpec("A03", "参加法治宣传、普法讲座", 2, Unit.PER_PERSON_OCCURRENCE,
                         cap_points=6, cap_period=Period.MONTH, self_declarable=True),
                ItemSpec("A04", "全户全年无违法违纪、无非正常上访", 10, Unit.PER_YEAR),
                ItemSpec("A05", "子女应征入伍", 20, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("A06", "提供违法犯罪线索经查证属实", 10, Unit.PER_OCCURRENCE),
            ),
        ),
        CategorySpec(
            "文明新风 · 移风易俗",
            (
                ItemSpec("B01", "婚事新办，不要高价彩礼", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True),
                ItemSpec("B02", "丧事简办、文明祭扫", 10, Unit.PER_EVENT, self_declarable=True),
                ItemSpec("B03", "全年不办升学宴、乔迁宴等无事酒", 5, Unit.PER_YEAR),
                ItemSpec("B04", "参加新时代文明实践、文体活动", 3, Unit.PER_OCCURRENCE,
                         cap_points=12, cap_period=Period.QUARTER, evidence_required=True,
                         self_declarable=True),
                ItemSpec("B05", "拾金不昧", 5, Unit.PER_OCCURRENCE, evidence_required=True,
                         self_declarable=True),
                ItemSpec("B06", "见义勇为", 20, Unit.PER_EVENT, evidence_required=True,
                         kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "孝老爱亲 · 家庭和睦",
            (
                ItemSpec("C01", "孝敬赡养老人（村民代表评议）", 10, Unit.PER_YEAR, sensitive=True),
                ItemSpec("C02", "家庭和睦、邻里团结（村民代表评议）", 5, Unit.PER_YEAR,
                         sensitive=True),
                ItemSpec("C03", "子女考入全日制本科院校", 20, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
                ItemSpec("C04", "结对帮扶孤寡老人、留守儿童", 5, Unit.PER_OCCURRENCE,
                         cap_points=20, cap_period=Period.MONTH, evidence_required=True,
                         self_declarable=True),
                ItemSpec("C05", "评为镇级以上“好婆婆”“好媳妇”", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "生态宜居 · 环境卫生",
            (
                ItemSpec("D01", "庭院干净整洁、物品摆放有序（月度检查）", 3, Unit.PER_INSPECTION,
                         cap_points=9, cap_period=Period.QUARTER),
                ItemSpec("D02", "门前三包落实到位", 2, Unit.PER_INSPECTION, cap_points=6,
                         cap_period=Period.QUARTER),
                ItemSpec("D03", "生活垃圾分类投放准确", 2, Unit.PER_INSPECTION, cap_points=6,
                         cap_period=Period.MONTH),
                ItemSpec("D04", "清理房前屋后杂物、残垣断壁", 20, Unit.PER_EVENT,
                         cap_points=20, cap_period=Period.YEAR, evidence_required=True,
                         self_declarable=True),
                ItemSpec("D05", "完成厕所改造并正常使用", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True),
                ItemSpec("D06", "植树护绿、美化庭院", 3, Unit.PER_OCCURRENCE, cap_points=9,
                         cap_period=Period.QUARTER, evidence_required=True,
                         self_declarable=True),
            ),
        ),
        CategorySpec(
            "产业发展 · 勤劳致富",
            (
                ItemSpec("E01", "发展特色种养业形成规模", 10, Unit.PER_YEAR,
                         evidence_required=True, self_declarable=True),
                ItemSpec("E02", "带动脱贫户、监测户就业增收", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True),
                ItemSpec("E03", "参加农业实用技术培训", 2, Unit.PER_PERSON_OCCURRENCE,
                         scope=Scope.PERSON, cap_points=8, cap_period=Period.YEAR,
                         self_declarable=True),
                ItemSpec("E04", "承包地不撂荒、规范流转", 5, Unit.PER_YEAR),
            ),
        ),
        CategorySpec(
            "公共事务 · 志愿服务 · 共建共治",
            (
                ItemSpec("F01", "参加村组义务劳动", 5, Unit.PER_OCCURRENCE, cap_points=20,
                         cap_period=Period.MONTH, evidence_required=True,
                         self_declarable=True),
                ItemSpec("F02", "参加治安巡逻", 10, Unit.PER_OCCURRENCE, cap_points=30,
                         cap_period=Period.MONTH, evidence_required=True,
                         self_declarable=True),
                ItemSpec("F03", "成功调解邻里纠纷", 5, Unit.PER_OCCURRENCE),
                ItemSpec("F04", "参加村民会议、村民代表会议", 2, Unit.PER_OCCURRENCE),
                ItemSpec("F05", "为村公益事业捐款捐物（每次）", 10, Unit.PER_OCCURRENCE,
                         evidence_required=True, self_declarable=True),
                ItemSpec("F06", "参加防汛、森林防火等应急志愿服务", 10, Unit.PER_OCCURRENCE,
                         evidence_required=True, self_declarable=True),
                ItemSpec("F07", "按时缴纳城乡居民医保、养老保险", 5, Unit.PER_YEAR),
            ),
        ),
        CategorySpec(
            "荣誉奖励",
            (
                ItemSpec("G01", "获县级表彰", 15, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G02", "获市级表彰", 20, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G03", "获省级表彰", 30, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G04", "获国家级表彰", 50, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G05", "评为镇级“最美家庭”", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "扣分项",
            (
                VETO,
                ItemSpec("X02", "打架斗殴", -50, Unit.PER_OCCURRENCE),
                ItemSpec("X03", "违法建设经责令拒不拆除", -40, Unit.PER_OCCURRENCE,
                         evidence_required=True),
                ItemSpec("X04", "违背公序良俗", -20, Unit.PER_OCCURRENCE, sensitive=True),
                ItemSpec("X05", "焚烧秸秆、垃圾", -5, Unit.PER_OCCURRENCE,
                         evidence_required=True),
                ItemSpec("X06", "乱扔乱倒垃圾", -5, Unit.PER_OCCURRENCE, evidence_required=True),
                ItemSpec("X07", "大操大办婚丧喜庆、滥办无事酒", -20, Unit.PER_EVENT),
                ItemSpec("X08", "庭院脏乱差，检查不合格", -3, Unit.PER_INSPECTION),
                ItemSpec("X09", "参与赌博、封建迷信活动", -20, Unit.PER_OCCURRENCE),
                ItemSpec("X10", "拒不履行赡养义务", -30, Unit.PER_OCCURRENCE, sensitive=True),
                ItemSpec("X11", "无理缠访、闹访", -20, Unit.PER_OCCURRENCE, sensitive=True),
                ItemSpec("X12", "散养畜禽影响环境卫生", -5, Unit.PER_OCCURRENCE,
                         evidence_required=True),
            ),
        ),
    ),
    star_bands=((1, 60), (2, 100), (3, 150), (4, 200), (5, 260)),
)  # fmt: skip

INDUSTRY = Catalogue(
    key="industry",
    title="青山县积分制管理实施细则（产业发展版）",
    categories=(
        BASE,
        CategorySpec(
            "爱党爱国 · 遵纪守法",
            (
                ItemSpec("A01", "党员参加主题党日、组织生活（党员先锋）", 2,
                         Unit.PER_PERSON_OCCURRENCE, scope=Scope.PERSON, cap_points=8,
                         cap_period=Period.MONTH, self_declarable=True),
                ItemSpec("A02", "党员领办创办产业项目（党员先锋）", 10, Unit.PER_EVENT,
                         scope=Scope.PERSON, evidence_required=True, self_declarable=True),
                ItemSpec("A03", "全户全年无违法违纪、无非正常上访", 10, Unit.PER_YEAR),
                ItemSpec("A04", "参加法治宣传、普法讲座", 2, Unit.PER_PERSON_OCCURRENCE,
                         cap_points=6, cap_period=Period.MONTH, self_declarable=True),
            ),
        ),
        CategorySpec(
            "文明新风 · 移风易俗",
            (
                ItemSpec("B01", "婚事新办，不要高价彩礼", 10, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True),
                ItemSpec("B02", "丧事简办、文明祭扫", 10, Unit.PER_EVENT, self_declarable=True),
                ItemSpec("B03", "全年不办升学宴、乔迁宴等无事酒", 5, Unit.PER_YEAR),
            ),
        ),
        CategorySpec(
            "孝老爱亲 · 家庭和睦",
            (
                ItemSpec("C01", "孝敬赡养老人（村民代表评议）", 10, Unit.PER_YEAR, sensitive=True),
                ItemSpec("C02", "家庭和睦、邻里团结（村民代表评议）", 5, Unit.PER_YEAR,
                         sensitive=True),
                ItemSpec("C03", "子女考入全日制本科院校", 20, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "生态宜居 · 环境卫生",
            (
                ItemSpec("D01", "庭院干净整洁、物品摆放有序（月度检查）", 3, Unit.PER_INSPECTION,
                         cap_points=9, cap_period=Period.QUARTER),
                ItemSpec("D02", "生活垃圾分类投放准确", 2, Unit.PER_INSPECTION, cap_points=6,
                         cap_period=Period.MONTH),
                ItemSpec("D03", "清理房前屋后杂物、残垣断壁", 20, Unit.PER_EVENT,
                         cap_points=20, cap_period=Period.YEAR, evidence_required=True,
                         self_declarable=True),
                ItemSpec("D04", "农药包装、废旧农膜交回收点", 2, Unit.PER_OCCURRENCE,
                         cap_points=10, cap_period=Period.QUARTER, evidence_required=True,
                         self_declarable=True),
            ),
        ),
        CategorySpec(
            "产业发展 · 勤劳致富",
            (
                ItemSpec("E01", "规模种植特色作物（每10亩）", 10, Unit.PER_OCCURRENCE,
                         cap_points=50, cap_period=Period.YEAR, evidence_required=True,
                         self_declarable=True),
                ItemSpec("E02", "规模养殖达到县定标准", 10, Unit.PER_YEAR,
                         evidence_required=True, self_declarable=True),
                ItemSpec("E03", "加入农民专业合作社", 5, Unit.PER_YEAR, evidence_required=True,
                         self_declarable=True),
                ItemSpec("E04", "创办家庭农场并登记注册", 15, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
                ItemSpec("E05", "带动本村农户就业（每户）", 5, Unit.PER_OCCURRENCE,
                         cap_points=30, cap_period=Period.YEAR, evidence_required=True,
                         self_declarable=True),
                ItemSpec("E06", "参加职业技能、农业技术培训", 3, Unit.PER_PERSON_OCCURRENCE,
                         scope=Scope.PERSON, cap_points=12, cap_period=Period.YEAR,
                         self_declarable=True),
                ItemSpec("E07", "取得职业技能等级证书", 10, Unit.PER_EVENT, scope=Scope.PERSON,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
                ItemSpec("E08", "通过电商、直播销售本村农产品", 5, Unit.PER_OCCURRENCE,
                         cap_points=20, cap_period=Period.QUARTER, evidence_required=True,
                         self_declarable=True),
                ItemSpec("E09", "土地经营权流转或入股村集体经济", 5, Unit.PER_YEAR,
                         evidence_required=True),
                ItemSpec("E10", "返乡创业并带动就业", 20, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
                ItemSpec("E11", "推广绿色防控、测土配方施肥", 3, Unit.PER_OCCURRENCE,
                         cap_points=9, cap_period=Period.YEAR, self_declarable=True),
                ItemSpec("E12", "守信用，积分贷按期还本付息", 10, Unit.PER_YEAR,
                         evidence_required=True),
                ItemSpec("E13", "评为县级“致富带头人”", 15, Unit.PER_EVENT,
                         evidence_required=True, self_declarable=True, kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "公共事务 · 志愿服务 · 共建共治",
            (
                ItemSpec("F01", "参加村组义务劳动", 5, Unit.PER_OCCURRENCE, cap_points=20,
                         cap_period=Period.MONTH, evidence_required=True,
                         self_declarable=True),
                ItemSpec("F02", "参加治安巡逻", 10, Unit.PER_OCCURRENCE, cap_points=30,
                         cap_period=Period.MONTH, evidence_required=True,
                         self_declarable=True),
                ItemSpec("F03", "成功调解邻里纠纷", 5, Unit.PER_OCCURRENCE),
                ItemSpec("F04", "参加村民会议、村民代表会议", 2, Unit.PER_OCCURRENCE),
                ItemSpec("F05", "为村公益事业捐款捐物（每次）", 10, Unit.PER_OCCURRENCE,
                         evidence_required=True, self_declarable=True),
                ItemSpec("F06", "为村集体经济发展建言献策被采纳", 5, Unit.PER_OCCURRENCE),
            ),
        ),
        CategorySpec(
            "荣誉奖励",
            (
                ItemSpec("G01", "获县级表彰", 15, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G02", "获省级表彰", 30, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
                ItemSpec("G03", "获国家级表彰", 50, Unit.PER_EVENT, evidence_required=True,
                         self_declarable=True, kind=Kind.AWARD),
            ),
        ),
        CategorySpec(
            "扣分项",
            (
                VETO,
                ItemSpec("X02", "打架斗殴", -50, Unit.PER_OCCURRENCE),
                ItemSpec("X03", "违法建设经责令拒不拆除", -40, Unit.PER_OCCURRENCE,
                         evidence_required=True),
                ItemSpec("X04", "违背公序良俗", -20, Unit.PER_OCCURRENCE, sensitive=True),
                ItemSpec("X05", "焚烧秸秆、垃圾", -5, Unit.PER_OCCURRENCE,
                         evidence_required=True),
                ItemSpec("X06", "乱扔乱倒垃圾", -5, Unit.PER_OCCURRENCE, evidence_required=True),
                ItemSpec("X07", "承包地撂荒", -10, Unit.PER_YEAR, evidence_required=True),
                ItemSpec("X08", "违规使用国家禁用农药", -20, Unit.PER_OCCURRENCE,
                         evidence_required=True),
                ItemSpec("X09", "恶意拖欠贷款被银行认定失信", -30, Unit.PER_OCCURRENCE),
                ItemSpec("X10", "损坏村集体设施、产业设施", -20, Unit.PER_OCCURRENCE,
                         evidence_required=True),
            ),
        ),
    ),
    star_bands=((1, 80), (2, 130), (3, 190), (4, 260), (5, 350)),
)  # fmt: skip

CATALOGUES: dict[str, Catalogue] = {GENERAL.key: GENERAL, INDUSTRY.key: INDUSTRY}
