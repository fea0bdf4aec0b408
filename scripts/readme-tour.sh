#!/usr/bin/env bash
# Runs the README's five-minute tour against a fresh ./data in a temp working directory, with the
# built `fawang` (not from the repo's folder: the tour must work from any working directory).
# Each step must succeed and print what the README says it prints.
#
#   scripts/readme-tour.sh        (after swift build)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(cd "$here" && swift build --show-bin-path)/fawang"
[ -x "$bin" ] || { echo "tour: $bin is missing: run swift build first" >&2; exit 1; }
work="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

# `swift run fawang serve` on a fresh ./data, on free ports so that CI may run beside a server.
# A person types the tour over minutes; this script runs it in seconds from one address, so the
# public rate limit (limits.public.*) is raised or the last pages would be refused as too frequent.
cat > fawang.yaml <<EOF
grpc:
  port: 0
metrics:
  port: 0
http:
  port: 0
limits:
  public:
    burst: 1000
    calls_per_minute: 6000
# The README's external plugin, as fawang.example.yaml runs it.
modules:
  court-fees:
    external:
      command: $(dirname "$bin")/fawang-court-fees
EOF
"$bin" serve --config fawang.yaml --ports-file ports.json > serve.log 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do [ -s ports.json ] && break; sleep 0.1; done
[ -s ports.json ] || { cat serve.log; echo "tour: fawang serve did not start" >&2; exit 1; }
grpc="$(python3 -c 'import json; print(json.load(open("ports.json"))["grpc"])')"
metrics="$(python3 -c 'import json; print(json.load(open("ports.json"))["metrics"])')"
http="$(python3 -c 'import json; print(json.load(open("ports.json"))["http"])')"
export FAWANG_SERVER="127.0.0.1:$grpc" FAWANG_SESSION="$work/session.json"
[ -d data ] || { echo "tour: no ./data was created" >&2; exit 1; }

step() { # step "what it must print" command…
  local expect="$1"; shift
  local out
  if ! out="$("$bin" "$@" 2>&1)"; then echo "$out"; echo "tour: fawang $* failed" >&2; exit 1; fi
  if [ -n "$expect" ] && ! grep -q -- "$expect" <<<"$out"; then echo "$out"; echo "tour: fawang $* did not print $expect" >&2; exit 1; fi
  printf '%s\n' "$out"
}
# Filters that read all their input: one that stops early (head, grep -m1, grep -q) can kill the
# writer with SIGPIPE, which pipefail turns into a failed step.
number() { awk '/^受理编号/ && !found { sub(/^受理编号 */, ""); print; found = 1 }'; }
first() { awk 'NR == 1'; }

step "已登录" login --login staff-640100-reviewer --password Fawang@2026
step "staff-640100-reviewer" whoami
step "legal-aid" modules
step "serving" health legal-aid
step "fawang.courtfees.v1.CourtFeeService" modules
step "serving" health court-fees
step "640104" divisions --parent 640100
T="$(step "受理编号" legal-aid submit \
  --name 马小花 --id-number 11010519491231002X --phone 13951001234 --region 640104 \
  --category labour_remuneration --form litigation_agency \
  --summary "在工地务工六个月，被拖欠工资两万四千元" \
  --household-size 4 --income 600 --hardship "家庭无其他收入来源" --verification personal_commitment \
  --material 身份证复印件 | number)"
step "待补充材料" legal-aid request-materials "$T" --missing 劳动合同 --missing 工资欠条
step "待审查" legal-aid supply-materials "$T" --material 劳动合同 --material 工资欠条 --phone-last4 1234
printf '%%PDF-1.4\ntrailer\n<< >>\n%%%%EOF\n' > contract.pdf
step "SHA-256" materials upload "$T" contract.pdf --title 劳动合同
material="$(step "劳动合同" materials list "$T" | awk '/^编号/ && !found { sub(/^编号 */, ""); print; found = 1 }')"
step "已保存" materials download "$material" --output copy.pdf
cmp -s contract.pdf copy.pdf || { echo "tour: the downloaded material differs from the upload" >&2; exit 1; }
step "已决定给予法律援助" legal-aid accept "$T"
step "lap-640100-1" legal-aid providers --region 640104
step "已指派" legal-aid assign "$T" --provider lap-640100-1
step "已结案" legal-aid conclude "$T" --outcome "经调解，用人单位支付全部欠薪"
step "已评价" rate "$T" --phone-last4 1234 --score 5 --comment 很满意
step "马*" progress "$T" --phone-last4 1234
step "11010519491231002X" show "$T"
step "条文：fawang laws article" show "$T"
step "$T" list --line legal-aid --region 640100
scraped="$(curl -sf "127.0.0.1:$metrics/metrics")"
grep -q fawang_rpc <<<"$scraped" || { echo "tour: no fawang_rpc metrics" >&2; exit 1; }
progress="$(curl -s "127.0.0.1:$http/fawang.matter.v1.MatterService/QueryProgress" \
  -H 'Content-Type: application/json' -d "{\"trackingNumber\": \"$T\", \"phoneLast4\": \"1234\"}")"
grep -q '"status":"concluded"' <<<"$progress" || { echo "$progress"; echo "tour: Connect JSON progress query failed" >&2; exit 1; }
refused="$(curl -s "127.0.0.1:$http/fawang.legalaid.v1.LegalAidService/SubmitApplication" \
  -H 'Content-Type: application/json' -d '{"requestId": "r1"}')"
grep -q '"code":"invalid_argument"' <<<"$refused" || { echo "$refused"; echo "tour: Connect JSON field error missing" >&2; exit 1; }
curl -sf "127.0.0.1:$http/openapi.json" > openapi.json || { echo "tour: no /openapi.json" >&2; exit 1; }
home="$(curl -sf "127.0.0.1:$http/")"
grep -q "12348宁夏法网" <<<"$home" || { echo "tour: the portal's home page is missing" >&2; exit 1; }
grep -q "/apply/legal-aid/submit" <<<"$home" || { echo "tour: the portal offers no legal aid application" >&2; exit 1; }

step "已登录" login --login notarization-640100 --password Fawang@2026
step "第三十四条" notarization kinds
N="$(step "受理编号" notarization apply --name 马小花 --id-number 11010519491231002X --phone 13951001234 \
  --region 640104 --place-basis domicile --kind education --purpose 出国留学 --material 申请人身份证明 --material 学历证书 | number)"
step "公证法" notarization accept "$N" --office np-640104-1 --notary 李公证员 --notice "已告知公证的法律意义和后果"
step "" deadlines alerts
step "" deadlines escalations
step "2026-10-22" deadlines due-date 2026-09-24 15 --working
step "2026" deadlines calendar
step "人民调解" transfer "$N" --to mediation.dispute --reason "当事人实为继承纠纷，申请调解"
step "七日内进行审查" laws article 法律援助法第四十三条
step "第四十一条" laws search 法律援助 经济困难
step "作出是否给予法律援助的决定" guide 老板拖欠我三个月工资 --region 640104
step "km" directory search --kind notary_office --near 38.47,106.29
step "执业状态" directory show legal_aid_centre/la-640100
step "群众满意度：5.0 分" directory show legal_aid_provider/lap-640100-1
step "法律援助法" publicity list
step "640000-2026" disclosure list-catalogue
S="$(step "legal-aid.application" appointments slots --office plsc-640104 --service legal-aid.application --available-only | first | cut -f1)"
B="$(step "booking" appointments book "$S" --name 马小花 --phone 13951001234 | grep -o 'Y[0-9]\{12\}' | first)"
[ -n "$B" ] || { echo "tour: no booking number" >&2; exit 1; }
step "booked" appointments show "$B" --phone-last4 1234
step "cancelled" appointments cancel "$B" --phone-last4 1234
# A booking that files its application: the booking carries the new matter's tracking number.
B="$(step "booking" appointments book "$S" --file "$here/docs/examples/booking-with-application.json" | grep -o 'Y[0-9]\{12\}' | first)"
step "tracking_number" appointments show "$B" --phone-last4 1234
step "已登录" login --login appointments-640104 --password Fawang@2026
step "1号窗口" appointments set-window 1号窗口 --office plsc-640104 --service legal-aid.application
step "A001" appointments take-ticket legal-aid.application --office plsc-640104
step "请A001号到1号窗口办理" appointments call-next 1号窗口 --office plsc-640104
step "legal-aid.application" appointments hall plsc-640104
step "已登录" login --login hotline-640100 --password Fawang@2026
step "offered" hotline report-call c-1 --kind offered --caller 13951001234 --line 12348-1 --region 640104
step "staff-640100-hotline" hotline report-call c-1 --kind answered --caller 13951001234 --agent staff-640100-hotline
step "$T" hotline lookup c-1
step "已告知办理进度" hotline outcome c-1 --outcome 已告知办理进度 --tracking "$T"
step "offered" hotline report-call c-2 --kind offered --caller 13800002222 --region 640104
C="$(step "abandoned" hotline report-call c-2 --kind abandoned --caller 13800002222 --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["callback_tracking_number"])')"
[ -n "$C" ] || { echo "tour: the abandoned call opened no callback task" >&2; exit 1; }
step "未接通" hotline calls
step "已回拨" callback "$C" --outcome 已回拨并解答 --reached
step "lap-640100-1" consultation duty --region 640100
Q="$(step "lap-640100-1" consultation record --name 马小花 --phone 13951001234 --region 640104 --topic marriage_family \
  --question 离婚时夫妻共同财产怎么分割 | number)"
[ -n "$Q" ] || { echo "tour: the consultation printed no tracking number" >&2; exit 1; }
step "已登录" login --login lap-640100-1 --password Fawang@2026
step "《" consultation suggest-laws "$Q"
step "已解答" consultation answer "$Q" --answer 可以先申请人民调解，调解不成的可以向人民法院起诉 --cite 人民调解法第十七条
step "已登录" login --login consultation-640104 --password Fawang@2026
step "faq-" consultation publish-faq "$Q"
step "已登录" login --login supervision-640100 --password Fawang@2026
step "received" supervision stats --by line --compare-previous
step "兴庆区" supervision stats --by region --by channel
step "已登录" login --login staff-640100-reviewer --password Fawang@2026
step "row_key,applicant.name" supervision import-template legal-aid
step "可新建 2 件" import legal-aid "$here/docs/examples/legal-aid-import.csv" --dry-run
step "新建 2 件" import legal-aid "$here/docs/examples/legal-aid-import.csv"
step "此前已导入 2 件" import legal-aid "$here/docs/examples/legal-aid-import.csv"
step "已登录" login --login supervision-640100 --password Fawang@2026
step "草稿" surveys create --file "$here/docs/examples/questionnaire.json"
step "人民调解员业务培训需求调查" surveys list --manage
step "12348公共法律服务群众满意度调查" surveys show wj-demo-satisfaction
step "region_name" supervision opinion-trends --by keyword
step "" supervision opinion-alerts
step "执业许可即将到期" supervision oversight-alerts
step $'by_grade\tA 1' supervision oversight --grade A --name 第一公证处
step "限期整改" supervision record-inspection notary_office/np-640100-1 --day 2026-12-01 --kind special \
  --result rectify --findings 公证书副本未按期归档 --rectify-by 2026-12-31
step "公证书副本未按期归档" supervision oversight-show notary_office/np-640100-1
# 考核通报: last month's scores and bulletin (the README's 2026-11, whatever month the tour runs in).
last_month="$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%Y-%m-01) -1 day" +%Y-%m)"
step "办理及时率" supervision scores "$last_month"
step "tb-640100-$last_month" supervision bulletin-publish "$last_month"
step "tb-640100-$last_month" supervision bulletins
step "" supervision bulletin "tb-640100-$last_month" --format pdf --output "$work/bulletin.pdf"
head -c 5 "$work/bulletin.pdf" | grep -q '%PDF-' || { echo "tour: the bulletin's PDF is no PDF" >&2; exit 1; }
step "受理编号" suggestions submit --name 马小花 --phone 13951001234 --region 640104 --category service \
  --title 建议公共法律服务站周末开放 --content 上班族只有周末有空，建议周六上午开放半天。
faq="$(curl -sf "127.0.0.1:$http/consultation")" || { echo "tour: /consultation failed" >&2; exit 1; }
grep -q "可以先申请人民调解" <<<"$faq" || { echo "tour: the FAQ is not on /consultation" >&2; exit 1; }
step "已登录" login --login staff-640100-reviewer --password Fawang@2026
for page in "/guide?q=%E6%AC%A0%E8%96%AA" "/directory" "/disclosure" "/publicity" "/publicity/feed.atom"; do
  curl -sf "127.0.0.1:$http$page" > page.out || { echo "tour: $page failed" >&2; exit 1; }
done
grep -q "<feed" page.out || { echo "tour: no Atom feed" >&2; exit 1; }
step "已退出" logout

kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
step "intact" audit verify
step "balances" exchange report
echo "tour: the README tour ran start to finish from $work — passed"
