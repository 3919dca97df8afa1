import csv,sys,os,glob
a,b=sys.argv[1],sys.argv[2]
bad=0; n=0
for f in sorted(glob.glob(a+'/**/log.csv',recursive=True)):
    g=b+f[len(a):]
    if not os.path.exists(g): print('MISSING',g); bad+=1; continue
    ra=list(csv.DictReader(open(f))); rb=list(csv.DictReader(open(g)))
    cols=[c for c in ra[0].keys() if c!='seconds']
    diffs=[(i,c,x[c],y.get(c)) for i,(x,y) in enumerate(zip(ra,rb)) for c in cols if x[c]!=y.get(c)]
    n+=1
    if diffs or len(ra)!=len(rb): bad+=1; print('DIFF',f[len(a):],len(ra),len(rb),diffs[:4])
print(f'{n} logs compared, {bad} differ')
